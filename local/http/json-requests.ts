import type { z } from 'zod';
import { validationMessage } from './validation-message';

/**
 * One JSON emulator's operations and their request schemas: the name check its server routes by, and the parser each
 * operation validates its body with, refusing in AWS's validation wording (the offending value is never repeated).
 */
export function jsonRequests<Schemas extends Record<string, z.ZodType>>(
  schemas: Schemas,
  refuse: (message: string) => Error,
) {
  type Name = Extract<keyof Schemas, string>;
  return {
    names: Object.keys(schemas) as Name[],
    isOperationName: (name: string): name is Name => Object.hasOwn(schemas, name),
    parseRequest: <Operation extends Name>(operation: Operation, body: unknown): z.infer<Schemas[Operation]> => {
      const schema: Schemas[Operation] = schemas[operation];
      const result = schema.safeParse(body ?? {});
      if (result.success) return result.data;
      throw refuse(validationMessage(result.error.issues));
    },
  };
}
