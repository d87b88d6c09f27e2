import { describe, expect, it } from 'vitest';
import momentum from './momentum/strategy.ts';
import { listPortfolioIds, loadPortfolio, parsePortfolioConfig } from './portfolio-config.ts';
import { PORTFOLIOS_DIR } from './run-backtest.ts';
import { loadStrategy, validateStrategyParams } from './strategy-loader.ts';

const valid = {
  name: 'x',
  strategy: { name: 'momentum', params: {} },
  universe: ['AAPL', 'BRK-B'],
  interval: '1min',
  capitalShare: 0.5,
};

describe('portfolio config', () => {
  it('fills documented defaults', () => {
    const c = parsePortfolioConfig(valid, 'p/config.json');
    expect(c.enabled).toBe(true);
    expect(c.benchmark).toBe('SPY');
    expect(c.schedule.everyBars).toBe(1);
    expect(c.broker).toEqual({ slippageBps: 5, commission: { perShare: 0.005, bps: 0, minimum: 1 } });
    expect(c.risk).toEqual({
      maxWeightPerName: 0.25,
      maxGrossExposure: 1,
      maxNetExposure: 1,
      maxLeverage: 1,
      buyingPowerMultiple: 1,
      minCashFraction: 0,
      allowShort: false,
    });
  });

  it.each([
    [{ ...valid, risk: { maxLeverage: -1 } }, /^p\/config\.json: risk\.maxLeverage: /],
    [{ ...valid, universe: ['aapl'] }, /^p\/config\.json: universe\.0: must be a ticker in FMP's spelling/],
    [
      { ...valid, universe: ['AAPL', 'BRK.B'] },
      /^p\/config\.json: universe\.1: must be a ticker in FMP's spelling/,
    ],
    [{ ...valid, universe: ['AAPL', 'AAPL'] }, /^p\/config\.json: universe: AAPL is listed twice$/],
    [{ ...valid, interval: '2min' }, /^p\/config\.json: interval: /],
    [{ ...valid, capitalShare: 0 }, /^p\/config\.json: capitalShare: /],
    [{ ...valid, extra: 1 }, /^p\/config\.json: \(top level\): .*extra/],
    [
      { ...valid, broker: { commission: { perShare: 'a' } } },
      /^p\/config\.json: broker\.commission\.perShare: /,
    ],
  ])('names the file and the field of a bad value (%#)', (json, message) => {
    expect(() => parsePortfolioConfig(json, 'p/config.json')).toThrow(message);
  });

  it('validates strategy parameters against the strategy and names the field', () => {
    expect(() => validateStrategyParams(momentum, { threshold: -1 }, 'p/config.json')).toThrow(
      /^p\/config\.json: strategy\.params\.threshold: /,
    );
    expect(validateStrategyParams(momentum, {}, 'p/config.json')).toEqual({ threshold: 0.01, weight: 0.1 });
  });

  it('ships three valid example portfolios whose strategies accept their parameters', async () => {
    const ids = listPortfolioIds(PORTFOLIOS_DIR);
    expect(ids).toEqual(['mean-reversion', 'momentum', 'vol-momentum']);
    const shares = [];
    for (const id of ids) {
      const definition = loadPortfolio(PORTFOLIOS_DIR, id);
      const { strategy } = await loadStrategy(definition);
      expect(strategy.name).toBe(id);
      shares.push(definition.config.capitalShare);
    }
    expect(shares.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1);
  });

  it('rejects an unknown portfolio with the known ones', () => {
    expect(() => loadPortfolio(PORTFOLIOS_DIR, 'nope')).toThrow(
      /no such portfolio "nope"; known: mean-reversion, momentum, vol-momentum/,
    );
  });
});
