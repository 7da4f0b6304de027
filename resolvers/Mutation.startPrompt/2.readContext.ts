// @dataSource PromptsTable
// sendPrompt's readContext step, shared as is (resolvers/Mutation.sendPrompt/2.readContext.ts): the
// conversation's earlier answered turns a streamed prompt is sent with, kept to the budget its
// reservation covers; a streamed prompt's lease names the conversation and the turns kept.
export { request, response } from '../Mutation.sendPrompt/2.readContext.ts';
