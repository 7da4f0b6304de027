// The CDK app: `npm run synth` / `npx cdk deploy`. Bound to one Region at synth — the one
// `cdk deploy` takes from the operator's profile (CDK_DEFAULT_REGION), TOLLGATE_REGION to choose,
// us-east-1 offline — so that inference profile IDs and the IAM ARNs for the Regions they route
// to are plain strings in the template, checked at synth and by cfn-lint. No account lookups:
// it still synthesizes offline without credentials.
import { App } from 'aws-cdk-lib';
import { loadConfig, settingsFrom } from './config.ts';
import { TollgateStack } from './stack.ts';

const app = new App();
const config = loadConfig(
  settingsFrom((key) => app.node.tryGetContext(key)),
  process.env.CDK_DEFAULT_REGION ?? 'us-east-1',
);
new TollgateStack(app, `Tollgate-${config.stage}`, {
  config,
  description: `Tollgate (${config.stage}): LLM chat on Bedrock behind tokens and exact quotas`,
});
app.synth();
