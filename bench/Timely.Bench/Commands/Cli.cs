using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;
using System.Reflection;
using System.Text.RegularExpressions;
using Timely.Bench.Launch;
using Timely.Communication;

namespace Timely.Bench.Commands;

/// <summary>
/// The one error path of the <c>timely</c> command. A usage or configuration error (a parse
/// error, or a <see cref="ConfigException"/> while the options become a config) prints
/// <c>timely: error: &lt;message&gt;</c> and one hint line and exits 2; a run that fails
/// (anything thrown inside <see cref="Run"/>: a peer died, bad input from the network, a
/// corrupt file) prints <c>timely: &lt;message&gt;</c> and exits 1. Stack traces only with
/// <c>--verbose</c> or <c>TIMELY_VERBOSE=1</c>.
/// </summary>
public static partial class Cli
{
    /// <summary>Exit code of a usage or configuration error.</summary>
    public const int UsageExit = 2;

    /// <summary>Exit code of a run that failed.</summary>
    public const int FailureExit = 1;

    /// <summary>Environment variable that, set to 1, acts as <see cref="Verbose"/>: set-up steps printed, and errors with their stack trace.</summary>
    public const string VerboseVariable = "TIMELY_VERBOSE";

    // Marks an exception (in its Data) as thrown while a command ran, not while its options were read.
    private const string RunPhaseKey = "timely.run-phase";

    /// <summary>The global <c>--verbose</c> option (every subcommand accepts it).</summary>
    public static Option<bool> Verbose { get; } = new("--verbose")
    {
        Description = $"Also print the library's set-up steps ('timely: info:' lines on stderr) and, on an error, the stack trace (as does {VerboseVariable}=1).",
        Recursive = true,
    };

    /// <summary>
    /// Starts a usage-error line that a launched child prints: its launcher prints each such
    /// line once, unprefixed, however many children print it (they all read the same command
    /// line), so the launcher need not parse that line itself before starting them.
    /// </summary>
    public const char UsageMark = '\u001e';

    /// <summary>
    /// Whether usage-error lines carry <see cref="UsageMark"/>: in a launched child, and in the
    /// launcher while it runs process 0 itself (its lines are relayed by the children's rule).
    /// </summary>
    internal static bool MarkUsage { get; set; } = Environment.GetEnvironmentVariable(Launcher.LauncherPidVariable) is not null;

    /// <summary>
    /// While the launcher runs process 0 in this process: what it sees of the processes it
    /// started (<see cref="ChildProcessState"/>), one clause each; with <c>true</c>, each thread's
    /// line too. A set-up failure of process 0 (a peer that never appeared or never connected)
    /// carries it, so the one line says whether that peer was dead, stopped, blocked or starting.
    /// </summary>
    internal static Func<bool, string?>? LaunchedProcesses { get; set; }

    private static void WriteUsage(TextWriter error, string line) =>
        error.WriteLine(MarkUsage ? UsageMark + line : line);

    /// <summary>Whether <c>--verbose</c> is among <paramref name="args"/> or <c>TIMELY_VERBOSE=1</c> is set.</summary>
    public static bool IsVerbose(IEnumerable<string> args) =>
        args.Contains(Verbose.Name, StringComparer.Ordinal) || Environment.GetEnvironmentVariable(VerboseVariable) is "1" or "true";

    /// <summary>The command's sink for the library's diagnostics: warnings and errors as one line on stderr.</summary>
    public static void WarnOnStandardError(Timely.Communication.Diagnostics.DiagnosticMessage diagnostic)
    {
        if (diagnostic.Level >= Timely.Communication.Diagnostics.DiagnosticLevel.Warning)
        {
            InformOnStandardError(diagnostic);
        }
    }

    /// <summary>The sink under <see cref="Verbose"/>: every diagnostic, set-up steps (<c>timely: info:</c>) included, as one line on stderr.</summary>
    public static void InformOnStandardError(Timely.Communication.Diagnostics.DiagnosticMessage diagnostic)
    {
        string level = diagnostic.Level switch
        {
            Timely.Communication.Diagnostics.DiagnosticLevel.Error => "error",
            Timely.Communication.Diagnostics.DiagnosticLevel.Warning => "warning",
            _ => "info",
        };
        Console.Error.WriteLine($"timely: {level}: {diagnostic.Message}");
    }

    /// <summary>
    /// Parses <paramref name="args"/> and runs the command, as <see cref="Invoke(RootCommand, IReadOnlyList{string}, TextWriter)"/>
    /// with <see cref="TimelyCommands.CreateRoot(IReadOnlyList{string})"/> does: a line that
    /// <see cref="TimelyCommands.CreateRunRoot"/> serves and parses without an error runs from
    /// that parse; any other line, and any line with an error, is parsed again against the
    /// whole root, which prints help, versions and errors.
    /// </summary>
    public static int Invoke(IReadOnlyList<string> args, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(error);
        if (TimelyCommands.CreateRunRoot(args) is { } run && run.Parse(args) is { Errors.Count: 0 } parsed)
        {
            return Invoke(parsed, args, error);
        }

        return Invoke(TimelyCommands.CreateRoot(args), args, error);
    }

    /// <summary>Parses <paramref name="args"/> against <paramref name="root"/> and runs the command; every error ends in <see cref="Report"/>.</summary>
    public static int Invoke(RootCommand root, IReadOnlyList<string> args, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(error);
        var result = root.Parse(args);
        if (ParseFailure(result, error) is { } code)
        {
            return code;
        }

        return Invoke(result, args, error);
    }

    private static int Invoke(ParseResult result, IReadOnlyList<string> args, TextWriter error)
    {
        try
        {
            return result.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return Report(e, IsVerbose(args), error, result.CommandResult.Command);
        }
    }

    /// <summary>
    /// When <paramref name="result"/> holds parse errors (and no <c>--help</c> overrides them),
    /// prints the first as one line and a hint, and returns <see cref="UsageExit"/>; else null.
    /// </summary>
    public static int? ParseFailure(ParseResult result, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(error);
        if (result.Errors.Count == 0 || result.Action is not ParseErrorAction)
        {
            return null;
        }

        WriteUsage(error, $"timely: error: {FirstError(result)}");
        WriteUsage(error, Hint(result.CommandResult.Command));
        return UsageExit;
    }

    /// <summary>
    /// The error to print: a word the parser did not know where a command was expected is named
    /// as an unknown command (the parser's first error is then only that no command was given).
    /// </summary>
    private static string FirstError(ParseResult result)
    {
        if (result.CommandResult.Command is RootCommand root && result.UnmatchedTokens.Count > 0 &&
            !result.UnmatchedTokens[0].StartsWith('-'))
        {
            string known = string.Join(", ", root.Subcommands.Where(c => !c.Hidden).Select(c => c.Name).Order(StringComparer.Ordinal));
            return $"unknown command '{result.UnmatchedTokens[0]}' (commands: {known}).";
        }

        return Humanize(result.Errors[0].Message);
    }

    /// <summary>
    /// Runs a command's work once its options are read: whatever fails in here is a run failure
    /// (exit 1), a <see cref="ConfigException"/> too (the engine reports a cluster that cannot
    /// be set up, such as a peer that sent garbage, as one).
    /// </summary>
    public static int Run(Func<int> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        try
        {
            return work();
        }
        catch (Exception e)
        {
            e.Data[RunPhaseKey] = true;
            throw;
        }
    }

    /// <summary>Prints <paramref name="e"/> by the convention above and returns the exit code.</summary>
    public static int Report(Exception e, bool verbose, TextWriter error, Command? command = null) =>
        Report(e, verbose, error, command, LaunchedProcesses);

    /// <summary>
    /// <see cref="Report(Exception, bool, TextWriter, Command?)"/> with <paramref name="launched"/>
    /// as the launcher's view of the processes it started (<see cref="LaunchedProcesses"/>):
    /// a set-up failure's line ends with it, and <paramref name="verbose"/> adds each thread's line.
    /// </summary>
    internal static int Report(Exception e, bool verbose, TextWriter error, Command? command, Func<bool, string?>? launched)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(error);
        bool usage = e is ConfigException && !e.Data.Contains(RunPhaseKey);
        if (usage)
        {
            WriteUsage(error, $"timely: error: {OneLine(e.Message)}");
            WriteUsage(error, Hint(command));
        }
        else
        {
            string? others = IsSetupFailure(e) ? launched?.Invoke(false) : null;
            error.WriteLine(others is null ? $"timely: {Describe(e)}" : $"timely: {Describe(e)} [launcher: {others}]");
        }

        if (verbose)
        {
            error.WriteLine(e.ToString());
            if (!usage && IsSetupFailure(e) && launched?.Invoke(true) is { } detail)
            {
                error.WriteLine($"[launcher] {detail}");
            }
        }

        return usage ? UsageExit : FailureExit;
    }

    /// <summary>
    /// A failure to set the cluster up: a <see cref="ConfigException"/> thrown while the command
    /// ran (the engine's set-up errors, such as a peer that never joined) or a timeout, anywhere
    /// in the chain.
    /// </summary>
    private static bool IsSetupFailure(Exception e) => Find<ConfigException>(e) is not null || Find<TimeoutException>(e) is not null;

    /// <summary>
    /// The message that says what went wrong, on one line: a <see cref="PeerFailedException"/>'s
    /// anywhere in the chain as it is, else the first inner failure of an
    /// <see cref="AggregateException"/> or <see cref="TargetInvocationException"/>.
    /// </summary>
    public static string Describe(Exception e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (Find<PeerFailedException>(e) is { } peer)
        {
            return OneLine(peer.Message);
        }

        while (true)
        {
            switch (e)
            {
                case AggregateException { InnerExceptions.Count: > 0 } aggregate:
                    e = aggregate.InnerExceptions[0];
                    continue;
                case TargetInvocationException { InnerException: { } inner }:
                    e = inner;
                    continue;
                default:
                    return OneLine(e.Message);
            }
        }
    }

    /// <summary>
    /// A System.CommandLine parse error in plain words: "Cannot parse argument 'x' for option
    /// '--rounds' as expected type 'System.Int32'" becomes "--rounds: 'x' is not an integer".
    /// </summary>
    public static string Humanize(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var match = CannotParse().Match(message);
        return match.Success
            ? $"{match.Groups["symbol"].Value}: '{match.Groups["value"].Value}' is not {TypeWords(match.Groups["type"].Value)}."
            : OneLine(TypeName().Replace(message, m => TypeWords(m.Value)));
    }

    /// <summary>
    /// A parser for an integer option or argument that must lie in <paramref name="min"/>..<paramref name="max"/>:
    /// a value outside, or not an integer, is a parse error naming <paramref name="name"/> and the range.
    /// </summary>
    public static Func<ArgumentResult, T> IntegerIn<T>(string name, T min, T max)
        where T : struct, IBinaryInteger<T> => result =>
    {
        string text = string.Join(' ', result.Tokens.Select(t => t.Value));
        if (!BigInteger.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            result.AddError($"{name}: '{text}' is not an integer ({min}..{max}).");
            return min;
        }

        if (value < BigInteger.CreateChecked(min) || value > BigInteger.CreateChecked(max))
        {
            result.AddError($"{name}: {value} is outside {min}..{max}.");
            return min;
        }

        return T.CreateChecked(value);
    };

    private static string TypeWords(string typeName)
    {
        var inner = NullableOf().Match(typeName);
        string name = inner.Success ? inner.Groups["type"].Value : typeName;
        return name switch
        {
            "System.Int32" or "System.Int64" or "System.Int16" or "System.SByte" => "an integer",
            "System.UInt32" or "System.UInt64" or "System.UInt16" or "System.Byte" => "a non-negative integer",
            "System.Double" or "System.Single" or "System.Decimal" => "a number",
            "System.Boolean" => "true or false",
            "System.String" => "text",
            _ => "a value of the right kind",
        };
    }

    private static string Hint(Command? command) =>
        command is null or RootCommand ? "see 'timely --help'" : $"see 'timely {command.Name} --help'";

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private static T? Find<T>(Exception? e)
        where T : Exception
    {
        switch (e)
        {
            case null:
                return null;
            case T found:
                return found;
            case AggregateException aggregate:
                foreach (var inner in aggregate.InnerExceptions)
                {
                    if (Find<T>(inner) is { } hit)
                    {
                        return hit;
                    }
                }

                return null;
            default:
                return Find<T>(e.InnerException);
        }
    }

    [GeneratedRegex(@"^Cannot parse argument '(?<value>.*)' for (?:option|command|argument) '(?<symbol>[^']*)' as expected type '(?<type>[^']*)'\.?$", RegexOptions.Singleline)]
    private static partial Regex CannotParse();

    [GeneratedRegex(@"System\.Nullable`1\[[A-Za-z0-9_.]+\]|System\.(?:U?Int(?:16|32|64)|S?Byte|Double|Single|Decimal|Boolean)\b")]
    private static partial Regex TypeName();

    [GeneratedRegex(@"^System\.Nullable`1\[(?<type>[A-Za-z0-9_.]+)\]$")]
    private static partial Regex NullableOf();
}
