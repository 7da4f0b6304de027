// @dataSource UsageTable
// sendPrompt's readUsage step, shared as is (resolvers/Mutation.sendPrompt/4.readUsage.ts).
export { request, response } from '../Mutation.sendPrompt/4.readUsage.ts';
