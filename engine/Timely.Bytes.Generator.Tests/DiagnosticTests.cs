using Microsoft.CodeAnalysis;

namespace Timely.Bytes.Generator.Tests;

/// <summary>
/// A type that cannot be encoded is an error at compile time, at the member or call that makes
/// it so, never a surprise at run time; each diagnostic the generator reports, with its line.
/// </summary>
public sealed class DiagnosticTests
{
    // Line 1 of every snippet is its first line; Crossing puts the type on a crossing call at line 2.
    private static Snippet Crossing(string type, string declarations) => Snippet.Compile($$"""
        public static class Job { public static void Build(Worker w) => w.Dataflow<ulong>(s => s.NewInput<ulong, {{type}}>().Item2.Exchange(x => 0UL).Probe()); }
        {{declarations}}
        """);

    [Fact]
    public void A_delegate_member_is_an_error_at_the_member()
    {
        var snippet = Crossing("Job2", """
            public sealed record Job2(string Name,
                Func<int> Work);
            """);
        Assert.Equal(["3: global::System.Func<int> cannot be encoded for workers or files: a delegate is code, not data"], snippet.Reported("TIMELY001"));
    }

    [Fact]
    public void Pointers_object_and_interface_members_are_errors_at_each_member()
    {
        var snippet = Crossing("Holder", """
            public unsafe sealed class Holder
            {
                public int* Raw;
                public object Anything = new();
                public IComparable Compared = 1;
            }
            """);
        Assert.Equal(
            [
                "4: int* cannot be encoded for workers or files: a pointer means nothing in another process",
                "5: object cannot be encoded for workers or files: object does not say which type to read back; use a concrete type",
                "6: global::System.IComparable cannot be encoded for workers or files: an interface does not say which type to read back; use a concrete type",
            ],
            snippet.Reported("TIMELY001"));
    }

    [Fact]
    public void An_interface_or_abstract_type_sent_itself_is_an_error_at_the_call()
    {
        var snippet = Crossing("Shape", "public abstract record Shape(int Sides);");
        Assert.Equal(["1: global::Shape cannot be encoded for workers or files: an abstract class does not say which type to read back; use a concrete type"], snippet.Reported("TIMELY001"));
    }

    [Fact]
    public void A_type_that_contains_itself_with_no_end_is_an_error_and_a_nullable_link_is_not()
    {
        var endless = Crossing("Node", """
            public sealed record Node(int Value,
                Node Next);
            """);
        Assert.Equal(["3: Node contains itself through Node.Next with no nullable or collection member on the way, so no value of it has an end in bincode's layout; declare one of those members nullable (global::Node?, written as an Option)"], endless.Reported("TIMELY002"));

        var list = Crossing("Link", "public sealed record Link(int Value, Link? Next, List<Link> Children);");
        Assert.Empty(list.Diagnostics);
        Assert.Empty(list.CompileErrors);
    }

    [Fact]
    public void A_cycle_through_two_types_is_reported_once()
    {
        var snippet = Crossing("Ping", """
            public sealed record Ping(Pong Other);
            public sealed record Pong(Ping Other);
            """);
        Assert.Single(snippet.Reported("TIMELY002"));
    }

    [Fact]
    public void A_member_the_reader_cannot_set_is_an_error_at_the_member()
    {
        var snippet = Crossing("Box", """
            public sealed class Box
            {
                public int Value { get; private set; }
            }
            """);
        Assert.Equal(["4: Box.Value is written but cannot be set when read: no accessible constructor has a parameter named Value of its type, and it has no accessible setter or init accessor"], snippet.Reported("TIMELY003"));
    }

    [Fact]
    public void Private_state_is_an_error_at_the_field()
    {
        var snippet = Crossing("Counter", """
            public sealed class Counter
            {
                private int _count;
                public int Count => _count;
            }
            """);
        Assert.Equal(["4: Counter._count is private, and the generated codec writes every field of Counter from outside it; make it internal or public, or give Counter a hand-written codec with WireCodec.Register"], snippet.Reported("TIMELY004"));
    }

    [Fact]
    public void A_private_nested_type_is_an_error_at_the_type()
    {
        var snippet = Snippet.Compile("""
            public static class Job
            {
                private sealed record Secret(int Value);
                public static void Build(Worker w) => w.Dataflow<ulong>(s => s.NewInput<ulong, Secret>().Item2.Exchange(x => 0UL).Probe());
            }
            """);
        Assert.Equal(["3: type Secret is private, and the generated codec writes every field of Secret from outside it; make it internal or public, or give Secret a hand-written codec with WireCodec.Register"], snippet.Reported("TIMELY004"));
    }

    [Fact]
    public void A_type_of_another_assembly_with_no_known_codec_is_a_warning()
    {
        var snippet = Crossing("Report", "public sealed record Report(System.Text.StringBuilder Text);");
        string assembly = typeof(System.Text.StringBuilder).Assembly.GetName().Name!;
        Assert.Equal([$"2: global::System.Text.StringBuilder (from {assembly}) crosses a worker boundary but has no codec known at compile time; mark it [GenerateWireCodec] in its own project, or call WireCodec.Register<global::System.Text.StringBuilder>(codec) before first use"], snippet.Reported("TIMELY005"));
        Assert.Equal(DiagnosticSeverity.Warning, snippet.Diagnostics.Single().Severity);
    }

    [Fact]
    public void A_class_with_no_constructor_to_read_with_is_an_error_at_the_class()
    {
        var snippet = Crossing("Temperature", """
            public sealed class Temperature
            {
                public Temperature(double celsius) => Kelvin = celsius + 273.15;
                public double Kelvin { get; set; }
            }
            """);
        Assert.Equal(["2: Temperature has no accessible constructor the generated reader can call: give it one whose parameters are named and typed as its members (a record's primary constructor is one), or a parameterless one"], snippet.Reported("TIMELY007"));
    }

    [Fact]
    public void Each_error_stops_the_build_of_the_snippet_and_leaves_no_codec_of_the_type()
    {
        var snippet = Crossing("Job2", "public sealed record Job2(Action Work);");
        Assert.All(snippet.Diagnostics, d => Assert.Equal(DiagnosticSeverity.Error, d.Severity));
        Assert.True(snippet.Generated is null || !snippet.Generated.Contains("RegisterGenerated<global::Job2>", StringComparison.Ordinal));
    }
}
