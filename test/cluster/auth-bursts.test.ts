// ../routes/v1/auth-bursts.test.ts again, on the test stack's three-node Redis Cluster (see test/helper.ts).
process.env.HAVEN_TEST_REDIS = 'cluster'
await import('../routes/v1/auth-bursts.test.ts')
