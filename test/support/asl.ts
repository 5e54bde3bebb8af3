import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** asl-validator 4 ships no type declarations; this is the part of its API keyturn uses. */
interface AslValidationResult {
  readonly isValid: boolean;
  readonly errors: readonly { readonly 'Error code': string; readonly Message: string }[];
  errorsText(separator?: string): string;
}
type AslValidator = (
  definition: unknown,
  options?: { readonly checkPaths: boolean; readonly checkArn: boolean },
) => AslValidationResult;

const aslValidator = createRequire(__filename)('asl-validator') as AslValidator;

/** Validates an ASL definition (object or path to a JSON file); returns the validator's messages. */
export function aslErrors(definition: object | string): string[] {
  const source = typeof definition === 'string' ? readFileSync(definition, 'utf8') : JSON.stringify(definition);
  // A copy: the validator annotates every state with its QueryLanguage.
  const result = aslValidator(JSON.parse(source), { checkPaths: true, checkArn: true });
  return result.isValid ? [] : result.errors.map((error) => `${error['Error code']}: ${error.Message}`);
}

/** Throws with asl-validator's messages unless the definition is valid Amazon States Language. */
export function assertValidAsl(definition: object | string): void {
  const errors = aslErrors(definition);
  if (errors.length > 0) throw new Error(`Invalid state machine definition:\n${errors.join('\n')}`);
}
