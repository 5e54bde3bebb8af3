import { taskResourceParts } from '../../../local/stepfunctions/history';

/** How TaskFailed events name a Task's resource, as Step Functions splits integration ARNs. */
describe('taskResourceParts', () => {
  test.each([
    ['arn:aws:states:::lambda:invoke', 'lambda', 'invoke'],
    ['arn:aws:states:::aws-sdk:secretsmanager:rotateSecret', 'aws-sdk:secretsmanager', 'rotateSecret'],
    ['arn:aws:states:::states:startExecution.sync:2', 'states', 'startExecution.sync:2'],
    ['arn:aws:states:::sns:publish', 'sns', 'publish'],
  ])('%s → %s / %s', (arn, resourceType, resource) => {
    expect(taskResourceParts(arn)).toEqual({ resourceType, resource });
  });
});
