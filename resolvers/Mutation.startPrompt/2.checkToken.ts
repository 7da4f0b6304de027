// @dataSource UsersTable
// sendPrompt's checkToken step, shared as is (resolvers/Mutation.sendPrompt/2.checkToken.ts).
export { request, response } from '../Mutation.sendPrompt/2.checkToken.ts';
