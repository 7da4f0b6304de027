// @dataSource UsageTable
// sendPrompt's reserveQuota step, shared as is (resolvers/Mutation.sendPrompt/3.reserveQuota.ts).
export { request, response } from '../Mutation.sendPrompt/3.reserveQuota.ts';
