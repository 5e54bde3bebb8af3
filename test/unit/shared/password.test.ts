import { generatePassword, PasswordPolicyError } from '../../../functions/shared/password';

const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

describe('generatePassword', () => {
  it('defaults to 32 characters with every class present', () => {
    const password = generatePassword();
    expect(password).toHaveLength(32);
    expect(password).toMatch(/[a-z]/);
    expect(password).toMatch(/[A-Z]/);
    expect(password).toMatch(/[0-9]/);
    // eslint-disable-next-line @typescript-eslint/no-misused-spread -- generated passwords are ASCII, so code points are characters
    expect([...password].some((c) => PUNCTUATION.includes(c))).toBe(true);
  });

  it('honours length, excluded classes and excluded characters', () => {
    for (let i = 0; i < 200; i++) {
      const password = generatePassword({
        length: 12,
        excludePunctuation: true,
        excludeUppercase: true,
        excludeCharacters: 'abc0',
      });
      expect(password).toMatch(/^[d-z1-9]{12}$/);
    }
  });

  it('puts at least one of each required class even in the shortest password', () => {
    for (let i = 0; i < 200; i++) {
      const password = generatePassword({ length: 3, excludePunctuation: true });
      expect(password).toMatch(/[a-z]/);
      expect(password).toMatch(/[A-Z]/);
      expect(password).toMatch(/[0-9]/);
    }
  });

  it('includes a space only when asked', () => {
    const withSpace = Array.from({ length: 50 }, () => generatePassword({ length: 8, includeSpace: true }));
    expect(withSpace.every((p) => p.includes(' '))).toBe(true);
    expect(generatePassword({ length: 200 })).not.toContain(' ');
  });

  it('draws every allowed character over many draws (no class is starved)', () => {
    const seen = new Set(generatePassword({ length: 4096, excludePunctuation: true, requireEachIncludedType: false }));
    expect(seen.size).toBe(62);
  });

  it.each([
    [{ length: 0 }, /length must be an integer from 1 to 4096, got 0/],
    [{ length: 4097 }, /got 4097/],
    [{ length: 2.5 }, /got 2.5/],
    [
      { excludeLowercase: true, excludeUppercase: true, excludeNumbers: true, excludePunctuation: true },
      /excludes every character/,
    ],
    [{ length: 2 }, /shorter than the 4 character classes/],
  ])('rejects the impossible policy %o', (policy, message) => {
    expect(() => generatePassword(policy)).toThrow(PasswordPolicyError);
    expect(() => generatePassword(policy)).toThrow(message);
  });
});
