/**
 * CDK app entry (`cdk.json` runs it with tsx). The CLI synthesizes the app when this process exits.
 */
import { createKeyturnApp } from './keyturn-app';

createKeyturnApp();
