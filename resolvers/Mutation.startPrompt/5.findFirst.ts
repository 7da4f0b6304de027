// @dataSource PromptsTable
// sendPrompt's findFirst step, shared as is (resolvers/Mutation.sendPrompt/5.findFirst.ts).
export { request, response } from '../Mutation.sendPrompt/5.findFirst.ts';
