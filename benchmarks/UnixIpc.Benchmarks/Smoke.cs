using System.Linq.Expressions;
using System.Reflection;
using BenchmarkDotNet.Attributes;
using UnixIpc.Benchmarks.Micro;

namespace UnixIpc.Benchmarks;

/// <summary>
/// A quick pass over every micro-benchmark body without BenchmarkDotNet (each parameter value: setup, 2 000 calls of each body,
/// cleanup), so CI proves they still run; it prints the bytes each call allocated on this thread.
/// </summary>
internal static class Smoke
{
    private const int Calls = 1000;

    public static int Run()
    {
        IEnumerable<Type> classes = typeof(MicroBenchmarks).Assembly.GetTypes()
            .Where(type => type.Namespace == typeof(MicroBenchmarks).Namespace && type.GetMethods().Any(method => method.IsDefined(typeof(BenchmarkAttribute))))
            .OrderBy(type => type.Name);
        int failures = 0;
        foreach (Type type in classes)
        {
            foreach (object instance in Instances(type))
            {
                // Caught here, not left unhandled, so each class's cleanup runs (an unhandled exception skips finally).
                try
                {
                    RunOne(type, instance);
                }
                catch (Exception e)
                {
                    failures++;
                    Console.Error.WriteLine($"{type.Name}: {(e as TargetInvocationException)?.InnerException?.Message ?? e.Message}");
                }
            }
        }

        Console.WriteLine(failures == 0 ? "benchmarks smoke: ok" : $"benchmarks smoke: {failures} failed");
        return failures == 0 ? 0 : 1;
    }

    // One instance per value of the class's [Params] property (at most one such property here), or one plain.
    private static IEnumerable<object> Instances(Type type)
    {
        PropertyInfo? parameter = type.GetProperties().FirstOrDefault(property => property.IsDefined(typeof(ParamsAttribute)));
        if (parameter is null)
        {
            yield return Activator.CreateInstance(type)!;
            yield break;
        }

        foreach (object? value in parameter.GetCustomAttribute<ParamsAttribute>()!.Values)
        {
            object instance = Activator.CreateInstance(type)!;
            parameter.SetValue(instance, value);
            yield return instance;
        }
    }

    private static void RunOne(Type type, object instance)
    {
        string label = type.Name + string.Concat(type.GetProperties().Where(p => p.IsDefined(typeof(ParamsAttribute))).Select(p => $" {p.Name}={p.GetValue(instance)}"));
        Invoke<GlobalSetupAttribute>(type, instance);
        try
        {
            foreach (MethodInfo method in type.GetMethods().Where(method => method.IsDefined(typeof(BenchmarkAttribute))))
            {
                // A compiled call that drops the result (awaited first if it is a task): no boxing, so the bytes
                // counted are the benchmark's own.
                Expression body = Expression.Call(Expression.Constant(instance), method);
                if (method.ReturnType.GetMethod("GetAwaiter") is MethodInfo getAwaiter)
                {
                    body = Expression.Call(Expression.Call(body, getAwaiter), getAwaiter.ReturnType.GetMethod("GetResult")!);
                }

                Action call = Expression.Lambda<Action>(body).Compile();
                for (int i = 0; i < Calls; i++)
                {
                    call();
                }

                // A body that reports success (true, or a count of at least 0) must succeed: a benchmark of a call
                // that fails measures nothing.
                object? result = method.Invoke(instance, null);
                if (result is ValueTask<int> pending)
                {
                    result = pending.AsTask().GetAwaiter().GetResult();
                }

                if (result is false or int and < 0)
                {
                    throw new InvalidOperationException($"{label} {method.Name} returned {result}: the call it measures did not succeed.");
                }

                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < Calls; i++)
                {
                    call();
                }

                double perCall = (GC.GetAllocatedBytesForCurrentThread() - before) / (double)Calls;
                Console.WriteLine($"{label,-52} {method.Name,-36} {perCall,8:0.#} B/op");
            }
        }
        finally
        {
            Invoke<GlobalCleanupAttribute>(type, instance);
        }
    }

    private static void Invoke<TAttribute>(Type type, object instance)
        where TAttribute : Attribute
    {
        foreach (MethodInfo method in type.GetMethods().Where(method => method.IsDefined(typeof(TAttribute))))
        {
            method.Invoke(instance, null);
        }
    }
}
