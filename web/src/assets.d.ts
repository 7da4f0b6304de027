// Files the web build imports as text (esbuild's text loader): the schema, bundled into the API view.
declare module '*.graphql' {
  const text: string;
  export default text;
}
