import type { KmsState } from './state';

/** What every operation handler works with: the keys, the clock and the emulator's knobs. */

export interface KmsSettings {
  /** On-demand rotations allowed per key over its life (see DEFAULT_ON_DEMAND_ROTATION_LIMIT). */
  onDemandRotationLimit: number;
  /** How long an on-demand rotation stays in progress before its material becomes current (0: at once). */
  onDemandRotationDurationMs: number;
}

export interface KmsContext {
  readonly state: KmsState;
  readonly now: () => Date;
  readonly settings: KmsSettings;
}
