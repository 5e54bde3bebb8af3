import { drillPrerequisites, renderSkipped, type DrillPrerequisite } from '../../../local/drill/prerequisites';

describe('the drill on a machine without MariaDB or Redis', () => {
  const saved = process.env.KEYTURN_REDIS_SERVER;
  afterEach(() => {
    if (saved === undefined) delete process.env.KEYTURN_REDIS_SERVER;
    else process.env.KEYTURN_REDIS_SERVER = saved;
  });

  it('finds a redis-server that is not there, and says how to install it', () => {
    process.env.KEYTURN_REDIS_SERVER = '/nonexistent/redis-server';
    const { redis } = drillPrerequisites();
    expect(redis.missing).toMatch(/redis-server is not installed at \/nonexistent\/redis-server/);
    expect(redis.enable).toBe('sudo apt-get install -y redis-server');
  });

  it('finds an installed redis-server (any executable named by KEYTURN_REDIS_SERVER)', () => {
    process.env.KEYTURN_REDIS_SERVER = process.execPath;
    expect(drillPrerequisites().redis.missing).toBeUndefined();
  });

  it('lists each skipped server with what it skipped and the one command that enables it; nothing when all ran', () => {
    const missing: DrillPrerequisite = {
      name: 'MariaDB',
      missing: 'MariaDB is not installed',
      enable: 'sudo apt-get install -y mariadb-server',
      drills: ['MariaDB single user'],
    };
    const present: DrillPrerequisite = { name: 'Redis', enable: 'sudo apt-get install -y redis-server', drills: [] };
    expect(renderSkipped([missing, present])).toEqual([
      'Skipped (everything else ran):',
      '  MariaDB: MariaDB single user. MariaDB is not installed\n    enable with: sudo apt-get install -y mariadb-server',
    ]);
    expect(renderSkipped([present])).toEqual([]);
  });
});
