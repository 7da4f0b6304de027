// @dataSource UsageTable
// sendPrompt's readmit step, shared as is (resolvers/Mutation.sendPrompt/6.readmit.ts).
export { request, response } from '../Mutation.sendPrompt/6.readmit.ts';
