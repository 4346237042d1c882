namespace UnixIpc;

/// <summary>
/// The "what to do" sentence appended to a <see cref="UnixIpcException"/> message, chosen by the call and errno.
/// Kept in one place so every mechanism words the same situation the same way.
/// </summary>
internal static class ErrorHints
{
    public static string? For(string operation, Errno error, string? objectName) => (operation, error) switch
    {
        (_, Errno.EMFILE) => "This process has no free file descriptor: close unused handles or raise RLIMIT_NOFILE (ulimit -n).",
        (_, Errno.ENFILE) => "The system-wide file table is full: raise /proc/sys/fs/file-max or close descriptors.",
        (_, Errno.EINTR) => null,

        ("shm_open", Errno.ENOENT) => $"No POSIX shared memory object {objectName} exists: create it (CreateNew or CreateOrOpen) or check the name in /dev/shm.",
        ("shm_open", Errno.EEXIST) => $"A POSIX shared memory object {objectName} already exists: open it with OpenExisting, or remove it first with Unlink (unixipc pshm unlink).",
        ("shm_open", Errno.EACCES) => $"The permissions of {objectName} do not allow this access: check its mode and owner (unixipc pshm stat).",
        ("shm_unlink", Errno.ENOENT) => $"No POSIX shared memory object {objectName} exists (already unlinked?); TryUnlink does not treat this as an error.",
        ("ftruncate" or "posix_fallocate", Errno.ENOSPC or Errno.EFBIG) => "Not enough space in the shared memory file system (/dev/shm is a tmpfs: check df /dev/shm and its size= mount option).",

        ("mq_open", Errno.ENOENT) => $"No POSIX message queue {objectName} exists: create it (CreateNew or CreateOrOpen, unixipc mq create).",
        ("mq_open", Errno.EEXIST) => $"A POSIX message queue {objectName} already exists: open it with OpenExisting, or remove it first with Unlink (unixipc mq unlink).",
        ("mq_open", Errno.EACCES) => $"The permissions of {objectName} do not allow this access: check its mode and owner.",
        ("mq_unlink", Errno.ENOENT) => $"No POSIX message queue {objectName} exists (already unlinked?); TryUnlink does not treat this as an error.",
        ("mq_notify", Errno.EBUSY) => "Another registration exists for this queue (only one process may be notified per queue); it ends when that process's descriptor is closed or it cancels.",
        ("msgget", Errno.ENOENT) => $"No System V message queue has key {objectName}: create it (CreateNew or CreateOrOpen, IPC_CREAT) or list queues with ipcs -q.",
        ("msgget", Errno.EEXIST) => $"A System V message queue with key {objectName} already exists: open it with OpenExisting, or remove it (unixipc msg rm ID).",
        ("msgget", Errno.ENOSPC) => "The system already has /proc/sys/kernel/msgmni message queues: remove unused ones (ipcs -q) or raise it.",
        ("msgsnd" or "msgrcv" or "msgctl", Errno.EIDRM) => "The queue was removed while this call waited.",
        ("msgsnd" or "msgrcv" or "msgctl", Errno.EINVAL) => $"No System V message queue has id {objectName} (removed?), or an argument is out of range (message size above /proc/sys/kernel/msgmax).",
        ("msgrcv", Errno.E2BIG) => "The message is longer than the buffer; it stays queued. Pass a buffer of /proc/sys/kernel/msgmax bytes, or ask for truncation (MSG_NOERROR).",
        ("msgrcv", Errno.ENOSYS) => "This kernel lacks MSG_COPY (it needs CONFIG_CHECKPOINT_RESTORE).",
        ("msgget" or "msgsnd" or "msgrcv" or "msgctl", Errno.EACCES) => "The queue's mode does not allow this access: check its mode and owner (unixipc msg stat).",
        ("msgctl", Errno.EPERM) => "Only the queue's owner or creator (or CAP_SYS_ADMIN) may change or remove it; raising the byte limit above /proc/sys/kernel/msgmnb needs CAP_SYS_RESOURCE.",
        ("sem_open", Errno.ENOENT) => $"No POSIX semaphore {objectName} exists: create it (CreateNew or CreateOrOpen, unixipc psem create).",
        ("sem_open", Errno.EEXIST) => $"A POSIX semaphore {objectName} already exists: open it with OpenExisting, or remove it first with Unlink (unixipc psem unlink).",
        ("sem_open", Errno.EACCES) => $"The permissions of {objectName} do not allow this access: check the mode of /dev/shm/sem.{objectName?.TrimStart('/')}.",
        ("sem_unlink", Errno.ENOENT) => $"No POSIX semaphore {objectName} exists (already unlinked?); TryUnlink does not treat this as an error.",
        ("sem_post", Errno.EOVERFLOW) => "The value is at SEM_VALUE_MAX (2147483647): nothing more can be released.",
        ("semget", Errno.ENOENT) => $"No System V semaphore set has key {objectName}: create it (CreateNew or CreateOrOpen, IPC_CREAT) or list sets with ipcs -s.",
        ("semget", Errno.EEXIST) => $"A System V semaphore set with key {objectName} already exists: open it with OpenExisting, or remove it (unixipc sem rm ID).",
        ("semget", Errno.EINVAL) => "The count is above SEMMSL (first field of /proc/sys/kernel/sem), or a set with this key exists and has fewer semaphores than asked for.",
        ("semget", Errno.ENOSPC) => "The system's semaphore limits are reached (SEMMNI or SEMMNS in /proc/sys/kernel/sem): remove unused sets (ipcs -s).",
        ("semop" or "semtimedop" or "semctl", Errno.EIDRM) => "The semaphore set was removed while this call waited.",
        ("semop" or "semtimedop", Errno.ERANGE) => "The operation would take a semaphore past SEMVMX (32767).",
        ("semop" or "semtimedop", Errno.E2BIG) => "More operations than SEMOPM (third field of /proc/sys/kernel/sem) in one call.",
        ("semop" or "semtimedop" or "semctl", Errno.EINVAL) => $"No System V semaphore set has id {objectName} (removed?), or an argument is out of range.",
        ("semop" or "semtimedop" or "semctl" or "semget", Errno.EACCES) => "The set's mode does not allow this access: check its mode and owner (unixipc sem stat).",
        ("semctl", Errno.EPERM) => "Only the set's owner or creator (or CAP_SYS_ADMIN) may change or remove it.",
        ("semctl", Errno.ERANGE) => "Semaphore values run from 0 to SEMVMX (32767).",
        ("fcntl" or "flock", Errno.EAGAIN or Errno.EACCES) => "Another process (or open file description) holds a conflicting lock: GetConflict says who.",
        ("fcntl", Errno.EDEADLK) => "Waiting would deadlock: another process waits for a lock this process holds. Release yours and retry.",
        ("fcntl" or "flock", Errno.EBADF) => "The file is not open for the lock's kind of access: a read lock needs read access, a write lock write access.",
        ("fcntl", Errno.ENOLCK) => "The system's lock table is full.",
        ("ftok", Errno.ENOENT) => $"ftok needs an existing file: create {objectName} first and keep it, because its inode number is part of the key.",
        ("shmget", Errno.ENOENT) => $"No System V segment has key {objectName}: create it (CreateNew or CreateOrOpen, IPC_CREAT) or list segments with ipcs -m.",
        ("shmget", Errno.EEXIST) => $"A System V segment with key {objectName} already exists: open it with OpenExisting, or remove it (unixipc shm rm ID).",
        ("shmget", Errno.EINVAL) => "Either the size is outside SHMMIN..SHMMAX (/proc/sys/kernel/shmmax), or a segment with this key exists and is smaller than the size asked for.",
        ("shmget", Errno.ENOSPC) => "The system's segment limits are reached: raise /proc/sys/kernel/shmmni (segments) or /proc/sys/kernel/shmall (pages), or remove unused segments (ipcs -m).",
        ("shmget", Errno.ENOMEM) => "Not enough memory for the segment.",
        ("shmget" or "shmat" or "shmctl", Errno.EACCES) => "The segment's mode does not allow this access: check its mode and owner (unixipc shm stat).",
        ("shmat" or "shmctl", Errno.EIDRM) => "The segment was removed.",
        ("shmat" or "shmctl", Errno.EINVAL) => $"No System V segment has id {objectName}: it was never created or has already been removed (ipcs -m lists the live ones).",
        ("shmctl", Errno.ENOMEM) => "Locking would exceed RLIMIT_MEMLOCK (ulimit -l) for the segment's owner: raise it, or lock as a process with CAP_IPC_LOCK.",
        ("shmctl", Errno.EPERM) => "Only the segment's owner or creator (or a process with CAP_SYS_ADMIN) may change or remove it.",

        ("mmap", Errno.EACCES) => "The object was opened read-only: map it read-only, or open it read-write.",
        ("mmap", Errno.ENOMEM) => "The address space or the mapping count (/proc/sys/vm/max_map_count) is exhausted.",
        ("open", Errno.ENOENT) => $"{objectName} does not exist.",
        _ => null,
    };
}
