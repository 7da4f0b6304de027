// @dataSource UsageTable
// sendPrompt's settle step, shared as is (resolvers/Mutation.sendPrompt/10.settle.ts).
export { request, response } from '../Mutation.sendPrompt/10.settle.ts';
