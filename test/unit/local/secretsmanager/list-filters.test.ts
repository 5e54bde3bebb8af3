import { AwsServiceError } from '../../../../local/secretsmanager/errors';
import {
  matchesFilters,
  paginate,
  sortSecrets,
  splitIntoWords,
  type SearchableSecret,
  type SecretFilter,
} from '../../../../local/secretsmanager/list-filters';

const secret = (name: string, extra: Partial<SearchableSecret> = {}): SearchableSecret => ({
  name,
  tags: [],
  primaryRegion: 'us-east-1',
  ...extra,
});

const SECRETS = [
  secret('prod/db/main', { description: 'Primary PostgreSQL database', tags: [{ Key: 'team', Value: 'payments' }] }),
  secret('prod/api-key', {
    tags: [
      { Key: 'team', Value: 'edge' },
      { Key: 'tier', Value: 'gold' },
    ],
  }),
  secret('staging/db/main', { description: 'staging copy', tags: [{ Key: 'owner', Value: 'payments-oncall' }] }),
];

const names = (filters: SecretFilter[]) => SECRETS.filter((s) => matchesFilters(s, filters)).map((s) => s.name);

describe('ListSecrets filters', () => {
  it('match name prefixes, case-sensitively', () => {
    expect(names([{ Key: 'name', Values: ['prod/'] }])).toEqual(['prod/db/main', 'prod/api-key']);
    expect(names([{ Key: 'name', Values: ['Prod/'] }])).toEqual([]);
    expect(names([{ Key: 'name', Values: ['db'] }])).toEqual([]);
  });

  it('match description prefixes, ignoring case', () => {
    expect(names([{ Key: 'description', Values: ['primary'] }])).toEqual(['prod/db/main']);
    expect(names([{ Key: 'description', Values: ['STAGING'] }])).toEqual(['staging/db/main']);
  });

  it('match any tag key or value by prefix', () => {
    expect(names([{ Key: 'tag-key', Values: ['te'] }])).toEqual(['prod/db/main', 'prod/api-key']);
    expect(names([{ Key: 'tag-value', Values: ['payments'] }])).toEqual(['prod/db/main', 'staging/db/main']);
    expect(names([{ Key: 'tag-value', Values: ['Payments'] }])).toEqual([]);
  });

  it('OR the values of one key and AND different keys', () => {
    expect(names([{ Key: 'name', Values: ['staging/', 'prod/api'] }])).toEqual(['prod/api-key', 'staging/db/main']);
    expect(
      names([
        { Key: 'name', Values: ['prod/'] },
        { Key: 'tag-value', Values: ['payments'] },
      ]),
    ).toEqual(['prod/db/main']);
  });

  it('negate a value that starts with !, and every negation must hold', () => {
    expect(names([{ Key: 'name', Values: ['!prod/'] }])).toEqual(['staging/db/main']);
    expect(names([{ Key: 'name', Values: ['!prod/db', '!staging'] }])).toEqual(['prod/api-key']);
    expect(names([{ Key: 'name', Values: ['prod/', '!prod/db'] }])).toEqual(['prod/api-key']);
    expect(names([{ Key: 'tag-key', Values: ['!team'] }])).toEqual(['staging/db/main']);
  });

  it('match primary-region, and owning-service only on secrets that have one', () => {
    expect(names([{ Key: 'primary-region', Values: ['us-'] }])).toHaveLength(3);
    expect(names([{ Key: 'primary-region', Values: ['eu-'] }])).toEqual([]);
    expect(names([{ Key: 'owning-service', Values: [''] }])).toEqual([]);
    expect(names([{ Key: 'owning-service', Values: ['!rds'] }])).toHaveLength(3);
  });

  it("'all' splits the search into words and matches words of any attribute, ignoring case", () => {
    expect(splitIntoWords('credsDatabase#892')).toEqual(['creds', 'database', '892']);
    expect(splitIntoWords('My_Secret')).toEqual(['my', 'secret']);
    // 'PostgreSQL' holds the words 'postgre' and 'sql' (a lower-to-upper case change splits words).
    expect(names([{ Key: 'all', Values: ['sql'] }])).toEqual(['prod/db/main']);
    expect(names([{ Key: 'all', Values: ['primary'] }])).toEqual(['prod/db/main']);
    expect(names([{ Key: 'all', Values: ['GOLD'] }])).toEqual(['prod/api-key']);
    expect(names([{ Key: 'all', Values: ['oncall'] }])).toEqual(['staging/db/main']);
    expect(names([{ Key: 'all', Values: ['apiKey'] }])).toEqual(['prod/api-key']);
    expect(names([{ Key: 'all', Values: ['nothing-here'] }])).toEqual([]);
  });
});

describe('ordering and paging', () => {
  const dated = [
    { name: 'b', createdAt: new Date(2), lastChangedAt: new Date(30) },
    { name: 'a', createdAt: new Date(3), lastChangedAt: new Date(10), lastAccessedAt: new Date(5) },
    { name: 'c', createdAt: new Date(1), lastChangedAt: new Date(20) },
  ];

  it('lists by CreatedDate unless SortBy says otherwise', () => {
    expect(sortSecrets(dated).map((s) => s.name)).toEqual(['c', 'b', 'a']);
    expect(sortSecrets(dated, 'created-date', 'desc').map((s) => s.name)).toEqual(['a', 'b', 'c']);
    expect(sortSecrets(dated, 'name').map((s) => s.name)).toEqual(['a', 'b', 'c']);
    expect(sortSecrets(dated, 'last-changed-date').map((s) => s.name)).toEqual(['a', 'c', 'b']);
    expect(sortSecrets(dated, 'last-accessed-date', 'desc').map((s) => s.name)).toEqual(['a', 'b', 'c']);
  });

  it('pages with opaque tokens bound to the query', () => {
    const items = [1, 2, 3, 4, 5];
    const first = paginate(items, 2, undefined, { q: 1 });
    expect(first.items).toEqual([1, 2]);
    const second = paginate(items, 2, first.nextToken, { q: 1 });
    expect(second.items).toEqual([3, 4]);
    const last = paginate(items, 2, second.nextToken, { q: 1 });
    expect(last).toEqual({ items: [5] });
    expect(() => paginate(items, 2, first.nextToken, { q: 2 })).toThrow(AwsServiceError);
    expect(() => paginate(items, 2, 'garbage', { q: 1 })).toThrow(
      expect.objectContaining({ name: 'InvalidNextTokenException' }) as Error,
    );
  });
});
