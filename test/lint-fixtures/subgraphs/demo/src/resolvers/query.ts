export const query = { hello: () => 'hello' };
