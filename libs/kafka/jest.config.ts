export default {
  displayName: 'kafka',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/libs/kafka',
};
