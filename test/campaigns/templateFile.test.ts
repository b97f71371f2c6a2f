import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTemplateFile, templateFileNameProblem } from '../../src/campaigns/templateFile.js';
import { MAX_TEMPLATE_CHARS } from '../../src/templating/template.js';

describe('template files', () => {
  let root: string;
  let dir: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'templates-'));
    dir = join(root, 'templates');
    await mkdir(dir);
    await writeFile(join(dir, 'reminder.hbs'), 'See you at {{formatTime appointment.startsAt}}');
    await writeFile(join(root, 'outside.hbs'), 'a secret outside templates/');
    await symlink('/etc/passwd', join(dir, 'passwd.hbs'));
    await symlink(join(root, 'outside.hbs'), join(dir, 'outside.hbs'));
    await symlink('reminder.hbs', join(dir, 'alias.hbs'));
    await symlink(join(root, 'nowhere.hbs'), join(dir, 'dangling.hbs'));
    await mkdir(join(dir, 'folder.hbs'));
    await writeFile(join(dir, 'huge.hbs'), 'x'.repeat(3 * MAX_TEMPLATE_CHARS + 1));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('loads a .hbs file from the templates directory', async () => {
    await expect(loadTemplateFile('reminder.hbs', dir)).resolves.toBe(
      'See you at {{formatTime appointment.startsAt}}',
    );
  });

  it('loads through a templates directory that is itself a symbolic link', async () => {
    const linked = join(root, 'linked-templates');
    await symlink(dir, linked);
    await expect(loadTemplateFile('reminder.hbs', linked)).resolves.toContain('See you at');
  });

  it('refuses names that could leave the templates directory', async () => {
    for (const name of [
      '../secret.hbs',
      'sub/reminder.hbs',
      '..\\x.hbs',
      '/etc/passwd',
      'reminder.txt',
      '.hbs',
    ]) {
      await expect(loadTemplateFile(name, dir), name).rejects.toMatchObject({
        code: 'template_file_invalid',
      });
      expect(templateFileNameProblem(name), name).not.toBeNull();
    }
  });

  it('refuses a symbolic link wherever it points, naming the template', async () => {
    for (const name of ['passwd.hbs', 'outside.hbs', 'alias.hbs', 'dangling.hbs']) {
      const error = await loadTemplateFile(name, dir).catch((e: unknown) => e);
      expect(error, name).toMatchObject({
        code: 'template_file_invalid',
        file: name,
        message: `template ${name}: is a symbolic link: templates/ takes the template files themselves`,
      });
    }
  });

  it('refuses what is not a regular file, and a file too big to be a template, before reading it', async () => {
    await expect(loadTemplateFile('folder.hbs', dir)).rejects.toMatchObject({
      code: 'template_file_invalid',
      file: 'folder.hbs',
      reason: 'is not a regular file',
    });
    await expect(loadTemplateFile('huge.hbs', dir)).rejects.toMatchObject({
      code: 'template_too_long',
      file: 'huge.hbs',
    });
  });

  it('says which file is missing', async () => {
    await expect(loadTemplateFile('nope.hbs', dir)).rejects.toMatchObject({
      code: 'template_file_not_found',
      file: 'nope.hbs',
    });
  });
});
