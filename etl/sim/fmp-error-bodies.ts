/**
 * FMP's error answers, as docs/fmp.md#errors describes them. JSON bodies are pretty-printed as observed; plain-text
 * bodies (400, 402) are sent with `Content-Type: application/json` as FMP does.
 */

const prettyError = (message: string): string => `{\n  "Error Message": "${message}"\n}`;

export const FMP_ERROR_BODIES = {
  /** 401, missing or wrong `apikey`. */
  invalidApiKey: prettyError(
    'Invalid API KEY. Feel free to create a Free API Key or visit https://site.financialmodelingprep.com/faqs?search=why-is-my-api-key-invalid for more information.',
  ),
  /** 403, any `/api/v3` or `/api/v4` path for a key created after 2025-08-31. */
  legacyEndpoint: prettyError(
    'Legacy Endpoint : Due to Legacy endpoints being no longer supported - This endpoint is only available for legacy users who have valid subscriptions prior August 31, 2025. Please visit our documentation page https://site.financialmodelingprep.com/developer/docs for our current APIs.',
  ),
  /** 402 plain text, endpoint not in the plan. */
  restrictedEndpoint:
    'Restricted Endpoint: This endpoint is not available under your current subscription please visit our subscription page to upgrade your plan at https://financialmodelingprep.com/',
  /** 402 plain text, symbol not in the plan (Basic's sample). */
  symbolNotInPlan:
    "Premium Query Parameter: 'Special Endpoint : This value set for 'symbol' is not available under your current subscription please visit our subscription page to upgrade your plan at https://financialmodelingprep.com/",
  /** 429 JSON, per-minute or per-day call limit. */
  limitReach: prettyError(
    'Limit Reach . Please upgrade your plan or visit our documentation for more details at https://site.financialmodelingprep.com/',
  ),
  /** 429 JSON, 30-day bandwidth exhausted (tail unconfirmed). */
  bandwidthLimitReach: prettyError(
    'Bandwidth Limit Reach . Please upgrade your plan or visit our documentation for more details at https://site.financialmodelingprep.com/',
  ),
  /** 404 JSON, unknown path. */
  notFound: '[]',
  /** 503 HTML from the proxy in front of FMP. */
  serviceUnavailable:
    '<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx/1.18.0 (Ubuntu)</center>\r\n</body>\r\n</html>\r\n',
} as const;

/** 400 plain text naming one missing parameter. */
export function missingParameterBody(name: string): string {
  return `Query Error: Invalid or missing query parameter - ${name}`;
}

/** 402 plain text for a parameter the plan does not allow (modelled on FMP's `Special Parameters` answer). */
export function parameterNotInPlanBody(name: string): string {
  return `Premium Query Parameter: 'Special Parameters : The value for '${name}' is not available under your current subscription. Please visit our subscription page to upgrade your plan at https://financialmodelingprep.com/`;
}

/** 402 plain text for a `limit` above the plan's ceiling (docs/fmp.md#errors). */
export function limitAbovePlanBody(max: number): string {
  return `Premium Query Parameter: 'Special Parameters : The values for 'limit' must be between 0 and ${max} based on your current subscription. Please visit our subscription page to upgrade your plan at https://financialmodelingprep.com/`;
}
