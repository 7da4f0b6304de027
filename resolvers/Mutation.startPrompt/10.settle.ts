// @dataSource UsageTable
// sendPrompt's settle step, shared as is (resolvers/Mutation.sendPrompt/10.settle.ts): it refunds
// what logPrompt logged and raises its error (ModelError, or NotFound for a deleted conversation).
export { request, response } from '../Mutation.sendPrompt/10.settle.ts';
