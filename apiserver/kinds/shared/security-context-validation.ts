/** Security contexts of Pods and containers: ids in range, known enumerations, no contradictions. */
import type {
  AppArmorProfile,
  PodSecurityContext,
  SeccompProfile,
  SecurityContext,
} from '../../../sdk/gen/wheelhouse/core/v1/security_context.js';
import { type ErrorList, invalid, required } from '../../validation/field-error.js';
import type { FieldPath } from '../../validation/field-path.js';
import { parseInt64, validateEnum, validateInRange } from './rules.js';

/** Linux user and group ids: 0 to 2^31-1. */
function validateId(value: string | undefined, path: FieldPath): ErrorList {
  if (value === undefined) return [];
  const parsed = parseInt64(value, path);
  if (parsed.value === undefined) return parsed.errors;
  return validateInRange(parsed.value, 0, 2147483647, path);
}

function validateProfile(profile: SeccompProfile | AppArmorProfile | undefined, path: FieldPath): ErrorList {
  if (!profile) return [];
  const errs = validateEnum(profile.type, ['RuntimeDefault', 'Unconfined', 'Localhost'], path.child('type'));
  if (profile.type === 'Localhost' && profile.localhostProfile === '') {
    errs.push(required(path.child('localhostProfile'), 'must be set when profile type is "Localhost"'));
  } else if (profile.type !== 'Localhost' && profile.localhostProfile !== '') {
    errs.push(
      invalid(
        path.child('localhostProfile'),
        profile.localhostProfile,
        'can only be set when profile type is "Localhost"',
      ),
    );
  }
  return errs;
}

export function validateSecurityContext(sc: SecurityContext | undefined, path: FieldPath): ErrorList {
  if (!sc) return [];
  const errs: ErrorList = [
    ...validateId(sc.runAsUser, path.child('runAsUser')),
    ...validateId(sc.runAsGroup, path.child('runAsGroup')),
    ...validateEnum(sc.procMount, ['Default', 'Unmasked'], path.child('procMount'), { optional: true }),
    ...validateProfile(sc.seccompProfile, path.child('seccompProfile')),
    ...validateProfile(sc.appArmorProfile, path.child('appArmorProfile')),
  ];
  if (sc.allowPrivilegeEscalation === false) {
    if (sc.privileged === true) {
      errs.push(invalid(path, sc, 'cannot set `allowPrivilegeEscalation` to false and `privileged` to true'));
    }
    if (sc.capabilities?.add.includes('CAP_SYS_ADMIN') || sc.capabilities?.add.includes('SYS_ADMIN')) {
      errs.push(
        invalid(
          path,
          sc,
          'cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN',
        ),
      );
    }
  }
  return errs;
}

export function validatePodSecurityContext(sc: PodSecurityContext | undefined, path: FieldPath): ErrorList {
  if (!sc) return [];
  const errs: ErrorList = [
    ...validateId(sc.runAsUser, path.child('runAsUser')),
    ...validateId(sc.runAsGroup, path.child('runAsGroup')),
    ...validateId(sc.fsGroup, path.child('fsGroup')),
    ...validateEnum(sc.fsGroupChangePolicy, ['OnRootMismatch', 'Always'], path.child('fsGroupChangePolicy'), {
      optional: true,
    }),
    ...validateEnum(
      sc.supplementalGroupsPolicy,
      ['Merge', 'Strict'],
      path.child('supplementalGroupsPolicy'),
      {
        optional: true,
      },
    ),
    ...validateEnum(sc.seLinuxChangePolicy, ['MountOption', 'Recursive'], path.child('seLinuxChangePolicy'), {
      optional: true,
    }),
    ...validateProfile(sc.seccompProfile, path.child('seccompProfile')),
    ...validateProfile(sc.appArmorProfile, path.child('appArmorProfile')),
  ];
  sc.supplementalGroups.forEach((g, i) => {
    errs.push(...validateId(g, path.child('supplementalGroups').index(i)));
  });
  const seen = new Set<string>();
  sc.sysctls.forEach((s, i) => {
    const namePath = path.child('sysctls').index(i).child('name');
    if (s.name === '') errs.push(required(namePath, ''));
    else if (!/^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$/.test(s.name)) {
      errs.push(
        invalid(
          namePath,
          s.name,
          'must have at most 253 characters and match regex ^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$',
        ),
      );
    } else if (seen.has(s.name)) {
      errs.push(invalid(namePath, s.name, 'must be unique'));
    }
    seen.add(s.name);
  });
  return errs;
}
