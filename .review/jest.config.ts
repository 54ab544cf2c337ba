/** @jest-config-loader-options {"transpileOnly": true} */
import type { Config } from 'jest';
const config: Config = {
  testEnvironment: 'node',
  rootDir: '..',
  roots: ['<rootDir>/.review'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true, diagnostics: false }] },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 600_000,
};
export default config;
