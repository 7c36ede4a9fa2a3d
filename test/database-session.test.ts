import type { DataSource } from 'typeorm';
import { createDataSource } from '../ormconfig';

/** Session settings every pooled connection of the server, CLI and backup service gets. */
describe('database sessions', () => {
  const open: DataSource[] = [];
  const connect = async (url: string) => {
    const dataSource = createDataSource({ url, poolSize: 1 });
    await dataSource.initialize();
    open.push(dataSource);
    return dataSource;
  };
  const setting = async (dataSource: DataSource, name: 'jit' | 'application_name') =>
    (
      (await dataSource.query(`SELECT current_setting($1) AS value`, [name])) as { value: string }[]
    )[0].value;
  const url = () => {
    const value = process.env.TEST_ADMIN_DATABASE_URL;
    if (!value) throw new Error('TEST_ADMIN_DATABASE_URL is not set: run the tests through jest');
    return value;
  };

  afterAll(async () => {
    await Promise.all(open.map((dataSource) => dataSource.destroy()));
  });

  it('run without JIT: a live event’s check of a large audience is not compiled each time', async () => {
    const dataSource = await connect(url());
    expect(await setting(dataSource, 'jit')).toBe('off');
    expect(await setting(dataSource, 'application_name')).toBe('teamgraph');
  });

  it('keep the options a DATABASE_URL names itself', async () => {
    const withOptions = new URL(url());
    withOptions.searchParams.set('options', '-c jit=on');
    const dataSource = await connect(withOptions.toString());
    expect(await setting(dataSource, 'jit')).toBe('on');
  });
});
