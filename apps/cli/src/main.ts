process.stdout.write('inferlab\n');
