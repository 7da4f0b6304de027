// @dataSource PromptsTable
// sendPrompt's findFirst step, shared as is (resolvers/Mutation.sendPrompt/7.findFirst.ts).
export { request, response } from '../Mutation.sendPrompt/7.findFirst.ts';
