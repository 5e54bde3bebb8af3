/** The local DynamoDB (dynalite, in memory, on loopback). */
export { startLocalDynamoDb, type LocalDynamoDb, type LocalDynamoDbOptions } from './local-dynamodb';
