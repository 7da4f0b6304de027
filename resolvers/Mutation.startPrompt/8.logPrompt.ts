// @dataSource PromptsTable
// sendPrompt's logPrompt step, shared as is (resolvers/Mutation.sendPrompt/9.logPrompt.ts).
export { request, response } from '../Mutation.sendPrompt/9.logPrompt.ts';
