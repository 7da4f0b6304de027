// @dataSource UsageTable
// sendPrompt's settle step, shared as is (resolvers/Mutation.sendPrompt/9.settle.ts).
export { request, response } from '../Mutation.sendPrompt/9.settle.ts';
