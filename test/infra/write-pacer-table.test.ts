import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { RotationFunction } from '../../infra/constructs/rotation-function';
import { WritePacerTable, WritePacerTableValidationError } from '../../infra/constructs/write-pacer-table';
import { allowStatements, asArray, newStack } from './support/infra';

describe('WritePacerTable', () => {
  test('an on-demand, encrypted table keyed by region, with point-in-time recovery, not retained', () => {
    // GIVEN / WHEN
    const stack = newStack();
    new WritePacerTable(stack, 'Pacer', { writesPerSecond: 25 });

    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'region', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'region', AttributeType: 'S' }],
        SSESpecification: { SSEEnabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      },
      DeletionPolicy: 'Delete',
    });
  });

  test('gives a rotation function its table and pace, and UpdateItem on that table, nothing else', () => {
    // GIVEN
    const stack = newStack();
    const pacer = new WritePacerTable(stack, 'Pacer', { writesPerSecond: 12.5 });

    // WHEN
    new RotationFunction(stack, 'Rotate', { writePacer: pacer });

    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          KEYTURN_WRITES_PER_SECOND: '12.5',
          KEYTURN_WRITE_PACER_TABLE: { Ref: Match.stringLikeRegexp('^PacerTable') },
        }),
      },
    });
    const dynamodb = allowStatements(template).filter((st) =>
      asArray(st.Action).some((action) => action.startsWith('dynamodb:')),
    );
    expect(dynamodb).toEqual([
      {
        Effect: 'Allow',
        Action: 'dynamodb:UpdateItem',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^PacerTable/) as unknown, 'Arn'] },
      },
    ]);
  });

  test('grants only what it is asked to', () => {
    const stack = newStack();
    const pacer = new WritePacerTable(stack, 'Pacer', { writesPerSecond: 25 });
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });

    pacer.grantReserve(role);

    expect(allowStatements(Template.fromStack(stack)).map((st) => st.Action)).toEqual(['dynamodb:UpdateItem']);
  });

  test.each([
    [0, /writesPerSecond must be positive, got 0/],
    [46, /writesPerSecond 46 is over 0.9 of the region's quota \(50\/s\): leave the other writers some/],
  ])('refuses a pace of %d writes per second', (writesPerSecond, message) => {
    const stack = newStack();
    expect(() => new WritePacerTable(stack, 'Pacer', { writesPerSecond })).toThrow(message);
    expect(() => new WritePacerTable(newStack(), 'Pacer', { writesPerSecond })).toThrow(WritePacerTableValidationError);
  });
});
