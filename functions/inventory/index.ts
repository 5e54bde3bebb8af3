/** The inventory: every managed secret and policy key, and what is wrong with them. See docs/inventory.md. */
export { takeInventory, countByCode, InventoryDepsError, type InventoryDeps } from './inventory';
export { inventorySecrets, DEFAULT_STUCK_PENDING_AFTER_SECONDS, type SecretsInventoryDeps } from './secrets-inventory';
export { inventoryKeys } from './keys-inventory';
export {
  POLICY_SECRETS_FIELD,
  encodePolicySecrets,
  parsePolicySecrets,
  policySecretsInput,
  policySecretsOfEvent,
  PolicySecretsError,
  type PolicySecret,
} from './policy-secrets';
export * from './types';
