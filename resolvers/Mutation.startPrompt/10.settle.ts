// @dataSource UsageTable
// sendPrompt's settle step, shared as is (resolvers/Mutation.sendPrompt/12.settle.ts).
export { request, response } from '../Mutation.sendPrompt/12.settle.ts';
