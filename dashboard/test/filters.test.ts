import { describe, expect, it } from 'bun:test';
import { EMPTY_FILTERS, filtersKey, filtersToApiQuery, filtersToSearchParams, hasActiveFilters, parseFilters, withoutBlankFields } from '../src/lib/filters.ts';

const parse = (query: string) => parseFilters(new URLSearchParams(query));

describe('list filters', () => {
  it('reads every filter from the query string', () => {
    expect(parse('q=+refund+policy+&from=2026-03-01&to=2026-03-31&problem=error&feedback=down')).toEqual({
      q: 'refund policy',
      from: '2026-03-01',
      to: '2026-03-31',
      problem: 'error',
      feedback: 'down',
    });
  });

  it('drops unknown values and impossible dates instead of failing', () => {
    expect(parse('problem=crash&feedback=meh&from=2026-02-30&to=yesterday')).toEqual(EMPTY_FILTERS);
  });

  it('swaps a reversed date range', () => {
    expect(parse('from=2026-03-31&to=2026-03-01')).toMatchObject({ from: '2026-03-01', to: '2026-03-31' });
  });

  it('caps the search text', () => {
    expect(parse(`q=${'a'.repeat(500)}`).q).toHaveLength(200);
  });

  it('round-trips through the query string, leaving out what is not set', () => {
    const filters = parse('q=hello&feedback=up');
    expect(filtersToSearchParams(filters).toString()).toBe('q=hello&feedback=up');
    expect(parseFilters(filtersToSearchParams(filters))).toEqual(filters);
    expect(filtersToSearchParams(filters, { cursor: 'abc', format: null }).toString()).toBe('q=hello&feedback=up&cursor=abc');
  });

  it('turns whole UTC days into an inclusive epoch-ms range for the API', () => {
    expect(filtersToApiQuery(parse('from=2026-03-01&to=2026-03-02&problem=any'))).toEqual({
      from: Date.UTC(2026, 2, 1),
      to: Date.UTC(2026, 2, 3) - 1,
      problem: 'any',
    });
    expect(filtersToApiQuery(EMPTY_FILTERS)).toEqual({});
  });

  it('says whether any filter is on, and keys change only with the filters', () => {
    expect(hasActiveFilters(EMPTY_FILTERS)).toBe(false);
    expect(hasActiveFilters(parse('problem=stopped'))).toBe(true);
    expect(filtersKey(parse('q=a&problem=error'))).toBe(filtersKey(parse('problem=error&q=a&unknown=1')));
    expect(filtersKey(parse('q=a'))).not.toBe(filtersKey(parse('q=b')));
  });

  it('drops the blank fields a plain form GET sends, and says when there were none', () => {
    expect(String(withoutBlankFields(new URLSearchParams('q=HomeKit&from=&to=&problem=&feedback=')))).toBe('q=HomeKit');
    expect(String(withoutBlankFields(new URLSearchParams('q=&from=&to=&problem=&feedback=')))).toBe('');
    expect(String(withoutBlankFields(new URLSearchParams('q=+&problem=error')))).toBe('problem=error');
    expect(withoutBlankFields(new URLSearchParams('q=HomeKit&problem=error'))).toBeNull();
    expect(withoutBlankFields(new URLSearchParams(''))).toBeNull();
  });
});
