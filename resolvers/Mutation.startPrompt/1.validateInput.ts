// @dataSource None
// sendPrompt's validateInput step, shared as is (resolvers/Mutation.sendPrompt/1.validateInput.ts).
export { request, response } from '../Mutation.sendPrompt/1.validateInput.ts';
