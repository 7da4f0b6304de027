// The CDK app: `npm run synth` / `npx cdk deploy`. Environment-agnostic, so it synthesizes offline.
import { App } from 'aws-cdk-lib';
import { loadConfig, settingsFrom } from './config.ts';
import { TollgateStack } from './stack.ts';

const app = new App();
const config = loadConfig(settingsFrom((key) => app.node.tryGetContext(key)));
new TollgateStack(app, `Tollgate-${config.stage}`, {
  config,
  description: `Tollgate (${config.stage}): LLM chat on Bedrock behind tokens and exact quotas`,
});
app.synth();
