import { parseRewrapRequest } from '../../functions/kms-rewrap/input';
import { loadStateMachine } from '../../local/stepfunctions/definitions';
import { runStateMachine, type StateMachineRunResult } from '../../local/stepfunctions/runner';

const REWRAP_MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:keyturn-rewrap';
const REWRAP_FUNCTION = 'arn:aws:lambda:us-east-1:123456789012:function:keyturn-kms-rewrap';
const MATERIAL = '96083e4fb6dbc41d77578a213a6b6669c044dd4c143e96755396d2bf11fd6068';

const request = {
  tableName: 'orders-data-keys',
  key: { partition: 'orderId' },
  ciphertextAttribute: 'wrappedKey',
  targetKeyId: 'alias/orders-data',
  allowedSourceKeyIds: ['arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'],
  fraction: 0.05,
  totalSegments: 2,
};
const job = { name: 'orders-data-keys-1a2b3c4d', segments: [0, 1], request };

interface Slice {
  readonly request: { readonly segment: number };
  readonly jobId: string;
}

/** Runs the starter with the real re-wrap definition nested, its function a stub that settles the table at once. */
async function start(input: unknown): Promise<{ run: StateMachineRunResult; slices: Slice[] }> {
  const slices: Slice[] = [];
  const run = await runStateMachine(loadStateMachine('rewrap-start', { RewrapStateMachine: REWRAP_MACHINE }), input, {
    stateMachines: {
      [REWRAP_MACHINE]: {
        definition: loadStateMachine('rewrap', { RewrapFunction: REWRAP_FUNCTION }),
        options: {
          lambdaHandlers: {
            [REWRAP_FUNCTION]: (event: unknown) => {
              const slice = event as Slice & { request: unknown };
              // The request each execution gets is one the job accepts.
              parseRewrapRequest(slice.request);
              slices.push(slice);
              return Promise.resolve({ done: true, itemsRefused: false, summary: { segment: slice.request.segment } });
            },
          },
        },
      },
    },
  });
  return { run, slices };
}

/**
 * `<job>-<segment>-<32 hex digits>`: the MD5 of the identity. Not compared with node:crypto's digest: the local
 * runner's own MD5 (aws-local-stepfunctions 3.0.0) is wrong for inputs of 56 bytes and more (a material id is 64),
 * while Step Functions computes the real one. What matters, and is checked, is that it is deterministic.
 */
const NAME = /^orders-data-keys-1a2b3c4d-([01])-([0-9a-f]{32})$/;
const namesOf = (slices: readonly Slice[]): string[] => slices.map((s) => s.jobId.split(':').at(-1) ?? '').sort();
const suffixOf = (name: string): string => NAME.exec(name)?.[2] ?? 'no match';

describe('rewrap-start.asl.json: one re-wrap execution per job and segment, named after the change', () => {
  test('a trigger starts each segment once, named <job>-<segment>-<MD5 of the identity>, with its segment', async () => {
    // WHEN
    const { run, slices } = await start({
      entryId: 'orders-data-key',
      trigger: 'KMS CMK Rotation',
      identity: MATERIAL,
      jobs: [job],
    });

    // THEN
    expect(run.status).toBe('SUCCEEDED');
    expect(slices.map((s) => s.request.segment).sort()).toEqual([0, 1]);
    const names = namesOf(slices);
    expect(names).toEqual([expect.stringMatching(NAME), expect.stringMatching(NAME)]);
    expect(names.map((n) => NAME.exec(n)?.[1])).toEqual(['0', '1']);
    expect(new Set(names.map(suffixOf)).size).toBe(1);
    expect(slices.every((s) => s.jobId.startsWith(`${REWRAP_MACHINE.replace(':stateMachine:', ':execution:')}:`))).toBe(
      true,
    );
    expect(run.childExecutions.map((child) => child.input)).toEqual(
      expect.arrayContaining([
        { ...request, segment: 0 },
        { ...request, segment: 1 },
      ]),
    );
    // AND every name is one Step Functions accepts (at most 80 characters)
    expect(Math.max(...names.map((n) => n.length))).toBeLessThanOrEqual(80);
    // AND the same change names the same executions again
    expect(
      namesOf(
        (await start({ entryId: 'orders-data-key', trigger: 'KeyMaterialRotated', identity: MATERIAL, jobs: [job] }))
          .slices,
      ),
    ).toEqual(names);
  });

  test('the same change twice does not start a twin: the second start of a name is the first execution', async () => {
    // GIVEN the same job twice in one trigger (as a redelivered event, or KMS's and keyturn's event for one rotation)
    const { run, slices } = await start({
      entryId: 'orders-data-key',
      trigger: 'KeyMaterialRotated',
      identity: MATERIAL,
      jobs: [job, job],
    });

    // THEN each segment ran once
    expect(run.status).toBe('SUCCEEDED');
    expect(slices.map((s) => s.request.segment).sort()).toEqual([0, 1]);
    expect(run.childExecutions).toHaveLength(2);
  });

  test('another change (new material) is another execution', async () => {
    // WHEN
    const input = (identity: string) => ({
      entryId: 'orders-data-key',
      trigger: 'KMS CMK Rotation',
      identity,
      jobs: [{ ...job, segments: [0] }],
    });
    const [first] = namesOf((await start(input(MATERIAL))).slices);
    const [second] = namesOf((await start(input('another-material'))).slices);

    // THEN
    expect(first).toMatch(NAME);
    expect(second).toMatch(NAME);
    expect(suffixOf(second ?? '')).not.toBe(suffixOf(first ?? ''));
  });
});
