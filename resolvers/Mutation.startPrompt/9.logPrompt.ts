// @dataSource PromptsTable
// sendPrompt's logPrompt step, shared as is (resolvers/Mutation.sendPrompt/9.logPrompt.ts): it writes
// the FAILED record of a prompt Lambda did not take, or whose conversation openTurn found deleted.
export { request, response } from '../Mutation.sendPrompt/9.logPrompt.ts';
