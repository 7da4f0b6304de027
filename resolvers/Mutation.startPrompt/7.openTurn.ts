// @dataSource ConversationsTable
// sendPrompt's openTurn step, shared as is (resolvers/Mutation.sendPrompt/7.openTurn.ts): counts the
// admitted prompt into its conversation (its seq), or finds the conversation deleted since
// claimAccess checked it; then invokeStream does not run, and logPrompt and settle refund it.
export { request, response } from '../Mutation.sendPrompt/7.openTurn.ts';
