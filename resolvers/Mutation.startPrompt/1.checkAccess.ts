// @dataSource UsersTable
// sendPrompt's checkAccess step, shared as is (resolvers/Mutation.sendPrompt/1.checkAccess.ts):
// a streamed prompt names no conversation, so it reads the caller's account only.
export { request, response } from '../Mutation.sendPrompt/1.checkAccess.ts';
