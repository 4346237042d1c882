using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;

namespace UnixIpc.Tests;

/// <summary>
/// Checks every interop struct (size and each field's offset), every interop constant and every
/// <see cref="Errno"/> value against the real C headers: the test writes a C file of _Static_asserts
/// from the C# definitions (by reflection, so new ones are covered automatically) and compiles it with gcc.
/// </summary>
public sealed class NativeLayoutTests
{
    private static readonly string[] Headers =
    [
        "errno.h", "fcntl.h", "sys/stat.h", "sys/mman.h", "sys/ipc.h", "sys/shm.h", "sys/msg.h", "sys/sem.h",
        "mqueue.h", "signal.h", "sys/epoll.h", "sys/resource.h", "time.h", "unistd.h", "semaphore.h", "sys/file.h", "limits.h",
        "linux/futex.h", "spawn.h", "sys/wait.h", "sys/uio.h", "sys/ioctl.h", "poll.h", "sys/syscall.h", "sys/signalfd.h", "sys/socket.h",
    ];

    [SkippableFact]
    public async Task Structs_constants_and_errno_values_match_the_C_headers()
    {
        string? gcc = CPeers.FindGcc();
        Skip.If(gcc is null, "gcc is not available");

        string source = GenerateChecks(out int checks);
        Assert.True(checks > 100, $"only {checks} checks were generated");
        string dir = Directory.CreateTempSubdirectory("uipc_layout_").FullName;
        try
        {
            string file = Path.Combine(dir, "layout.c");
            await File.WriteAllTextAsync(file, source);
            ProcessRunner.Result result = await ProcessRunner.RunAsync(gcc!, ["-fsyntax-only", "-Werror", file]);
            Assert.True(result.ExitCode == 0, $"the C headers disagree with the interop definitions:\n{result.Stderr}");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [SkippableFact]
    public async Task A_wrong_value_fails_the_compile()
    {
        // Guards the test above against passing vacuously: one wrong constant must make gcc fail.
        string? gcc = CPeers.FindGcc();
        Skip.If(gcc is null, "gcc is not available");
        string dir = Directory.CreateTempSubdirectory("uipc_layout_").FullName;
        try
        {
            string file = Path.Combine(dir, "wrong.c");
            await File.WriteAllTextAsync(file, "#include <fcntl.h>\n" + ConstantCheck("O_CREAT", Interop.O_CREAT + 1) + "\n");
            ProcessRunner.Result result = await ProcessRunner.RunAsync(gcc!, ["-fsyntax-only", "-Werror", file]);
            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains("O_CREAT should be", result.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    internal static string GenerateChecks(out int checks)
    {
        var c = new StringBuilder();
        c.AppendLine("#define _GNU_SOURCE");
        foreach (string header in Headers)
        {
            c.AppendLine($"#include <{header}>");
        }

        c.AppendLine("#include <stddef.h>");
        checks = 0;

        Type interop = typeof(Interop);
        foreach (FieldInfo field in interop.GetFields(BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.Static))
        {
            // Every C macro the interop mirrors: all capitals (EPOLLIN, GETVAL, F_OFD_SETLK) or a syscall number
            // (SYS_pidfd_open). Names in C# case (Libc, SigSetBytes) are the project's own.
            if (field.IsLiteral && field.FieldType != typeof(string) && (!field.Name.Any(char.IsLower) || field.Name.StartsWith("SYS_", StringComparison.Ordinal)))
            {
                object raw = field.GetRawConstantValue()!;
                if (raw is ulong unsignedValue)
                {
                    c.AppendLine($"_Static_assert({field.Name} == {unsignedValue}UL, \"{field.Name} should be {unsignedValue}\");");
                    checks++;
                    continue;
                }

                long value = Convert.ToInt64(raw, System.Globalization.CultureInfo.InvariantCulture);
                string name = field.GetCustomAttribute<Interop.CConstantAttribute>()?.Expression
                    ?? (field.FieldType == typeof(nint) ? $"(long){field.Name}" : field.Name);
                c.AppendLine(ConstantCheck(name, value));
                checks++;
            }
        }


        foreach (Type type in interop.GetNestedTypes(BindingFlags.NonPublic | BindingFlags.Public))
        {
            if (!type.IsValueType || type.IsEnum)
            {
                continue;
            }

            // A struct may carry its C name, and exist for one architecture only (epoll_event).
            string cName = type.Name;
            if (type.GetCustomAttribute<Interop.CStructAttribute>() is { } native)
            {
                if (native.Architecture is { } architecture && architecture != RuntimeInformation.ProcessArchitecture)
                {
                    continue;
                }

                cName = native.Name;
            }

            string cType = cName.EndsWith("_t", StringComparison.Ordinal) ? cName : $"struct {cName}";
            c.AppendLine($"_Static_assert(sizeof({cType}) == {Marshal.SizeOf(type)}, \"sizeof({cType})\");");
            checks++;
            foreach (FieldInfo field in type.GetFields(BindingFlags.Public | BindingFlags.Instance))
            {
                // Padding is named differently by glibc and kernel headers; the size and the offsets of
                // the fields around it pin it down.
                if (IsPadding(field.Name))
                {
                    continue;
                }

                c.AppendLine($"_Static_assert(offsetof({cType}, {field.Name}) == {Marshal.OffsetOf(type, field.Name)}, \"offsetof({cName}.{field.Name})\");");
                c.AppendLine($"_Static_assert(sizeof((({cType} *)0)->{field.Name}) == {Marshal.SizeOf(field.FieldType)}, \"sizeof({cName}.{field.Name})\");");
                checks += 2;
            }
        }

        foreach (string name in Enum.GetNames<Errno>())
        {
            if (name != nameof(Errno.None))
            {
                c.AppendLine(ConstantCheck(name, (long)Enum.Parse<Errno>(name)));
                checks++;
            }
        }

        return c.ToString();
    }

    private static bool IsPadding(string name)
        => name.Contains("pad", StringComparison.OrdinalIgnoreCase)
           || name.Contains("spare", StringComparison.OrdinalIgnoreCase)
           || name.Contains("reserved", StringComparison.OrdinalIgnoreCase);

    private static string ConstantCheck(string name, long value)
        => $"_Static_assert({name} == {value}L, \"{name} should be {value}\");";
}
