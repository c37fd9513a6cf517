using System.Globalization;
using System.Reflection;
using System.Runtime.Loader;

namespace Timely.Testing.Host;

/// <summary>
/// <c>Timely.Testing.Host &lt;test assembly&gt; &lt;type&gt; &lt;method&gt; [argument ...]</c>: creates the
/// test class and runs the test method (with the arguments, converted to its parameters' types, for
/// a theory case), in a process the test started as one process of a cluster (the
/// environment tells the test which one). Exit 0 when the method returns, 1 with the
/// exception on stderr when it throws. Loads the test assembly from its own directory (a test
/// project references this one, so both land in the test output).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length < 3)
        {
            Console.Error.WriteLine("usage: Timely.Testing.Host <test assembly> <test type> <test method> [argument ...]");
            return 2;
        }

        string directory = AppContext.BaseDirectory;
        AssemblyLoadContext.Default.Resolving += (context, name) =>
        {
            string candidate = Path.Combine(directory, name.Name + ".dll");
            return File.Exists(candidate) ? context.LoadFromAssemblyPath(candidate) : null;
        };
        var tests = AssemblyLoadContext.Default.LoadFromAssemblyPath(Path.Combine(directory, args[0] + ".dll"));
        var type = tests.GetType(args[1], throwOnError: true)!;
        var method = type.GetMethod(args[2], BindingFlags.Public | BindingFlags.Instance)
            ?? throw new MissingMethodException(args[1], args[2]);
        var parameters = method.GetParameters();
        if (parameters.Length != args.Length - 3)
        {
            Console.Error.WriteLine($"{args[1]}.{args[2]} takes {parameters.Length} argument(s), given {args.Length - 3}");
            return 2;
        }

        object?[] arguments = [.. parameters.Select((p, i) => Convert.ChangeType(args[3 + i], p.ParameterType, CultureInfo.InvariantCulture))];
        object instance = Activator.CreateInstance(type)!;
        try
        {
            method.Invoke(instance, arguments);
            return 0;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            Console.Error.WriteLine($"{args[1]}.{args[2]} failed in process {Environment.ProcessId}: {e.InnerException}");
            return 1;
        }
        finally
        {
            (instance as IDisposable)?.Dispose();
        }
    }
}
