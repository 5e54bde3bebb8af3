/** Event bus ARNs: `arn:<partition>:events:<region>:<account>:event-bus/<name>`. */

export interface ServiceLocation {
  readonly region: string;
  readonly accountId: string;
}

export const DEFAULT_BUS_NAME = 'default';

const BUS_ARN = /^arn:aws[\w-]*:events:([a-z0-9-]+):(\d{12}):event-bus\/(.+)$/;

export function eventBusArn(location: ServiceLocation, name: string): string {
  return `arn:aws:events:${location.region}:${location.accountId}:event-bus/${name}`;
}

export type BusReference =
  | { readonly kind: 'name'; readonly name: string }
  /** An ARN of another account or region: never a bus of this emulator. */
  | { readonly kind: 'foreign-arn'; readonly arn: string };

/** EventBusName parameters take a name or an ARN; omitted means the default bus. */
export function parseBusReference(location: ServiceLocation, nameOrArn: string | undefined): BusReference {
  if (nameOrArn === undefined) return { kind: 'name', name: DEFAULT_BUS_NAME };
  const match = BUS_ARN.exec(nameOrArn);
  if (!match) return { kind: 'name', name: nameOrArn };
  const [, region, accountId, name] = match;
  if (region !== location.region || accountId !== location.accountId || name === undefined) {
    return { kind: 'foreign-arn', arn: nameOrArn };
  }
  return { kind: 'name', name };
}
