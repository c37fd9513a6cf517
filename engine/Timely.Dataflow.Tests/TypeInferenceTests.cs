using Timely.Dataflow.Capture;
using Timely.Dataflow.Operators;

namespace Timely.Dataflow.Tests;

/// <summary>
/// The overloads and factories that let C# infer what Rust infers: each builds
/// and runs a dataflow written without the type arguments the generic API needs, and checks what
/// it computed, so a change that breaks the inference (an ambiguous overload, a lost factory)
/// fails to compile here and a change that binds to the wrong method fails an assertion.
/// </summary>
public sealed class TypeInferenceTests
{
    [Fact]
    public void Dataflow_without_type_arguments_returns_the_input_and_probe_of_a_ulong_dataflow()
    {
        var seen = new List<(ulong Time, string Text)>();
        Execute.Directly(worker =>
        {
            var (input, probe) = worker.Dataflow(scope =>
            {
                var (input, stream) = scope.NewInput<string>();
                return (input, stream.InspectTime((t, s) => seen.Add((t, s))).Probe());
            });
            Assert.IsType<InputHandle<ulong, string>>(input);
            Assert.IsType<ProbeHandle<ulong>>(probe);
            for (ulong round = 0; round < 3; round++)
            {
                input.Send($"round {round}");
                input.AdvanceTo(round + 1);
                worker.StepWhile(() => probe.LessThan(input.Time));
                Assert.False(probe.LessEqual(round));
            }
        });
        (ulong, string)[] expected = [(0, "round 0"), (1, "round 1"), (2, "round 2")];
        Assert.Equal(expected, seen);
    }

    [Fact]
    public void Dataflow_with_a_block_lambda_and_no_result_builds_a_ulong_dataflow()
    {
        var seen = new List<int>();
        Execute.Directly(worker =>
        {
            worker.Dataflow(scope =>
            {
                Enumerable.Range(0, 5).ToStream(scope).Filter(x => x % 2 == 1).Inspect(seen.Add);
            });
        });
        int[] expected = [1, 3];
        Assert.Equal(expected, seen);
    }

    [Fact]
    public void A_typed_lambda_parameter_picks_another_timestamp_without_type_arguments()
    {
        var seen = new List<(uint Time, int Value)>();
        Execute.Directly(worker =>
        {
            var probe = worker.Dataflow((Scope<uint> scope) =>
                Enumerable.Range(7, 2).ToStream(scope).InspectTime((t, x) => seen.Add((t, x))).Probe());
            Assert.IsType<ProbeHandle<uint>>(probe);
            worker.StepWhile(() => !probe.Done);
        });
        (uint, int)[] expected = [(0, 7), (0, 8)];
        Assert.Equal(expected, seen);
    }

    [Fact]
    public void Handle_factories_make_ulong_handles_that_connect_by_inference()
    {
        var seen = new List<(ulong, long)>();
        Execute.Directly(worker =>
        {
            var input = InputHandle.Create<long>();
            var probe = ProbeHandle.Create();
            worker.Dataflow(scope => scope.InputFrom(input).InspectTime((t, x) => seen.Add((t, x))).ProbeWith(probe));
            input.Send(-5);
            input.AdvanceTo(4);
            input.Send(6);
            input.Close();
            worker.StepWhile(() => !probe.Done);
        });
        (ulong, long)[] expected = [(0, -5), (4, 6)];
        Assert.Equal(expected, seen);

        InputHandle<uint, string> typed = InputHandle.Create<uint, string>();
        Assert.Equal(0u, typed.Time);
        Assert.IsType<ProbeHandle<uint>>(ProbeHandle.Create<uint>());
    }

    [Fact]
    public void CaptureInto_a_stream_writes_what_an_EventWriter_would_and_closes_it_at_the_end()
    {
        var viaStream = new MemoryStream();
        var viaWriter = new MemoryStream();
        Execute.Directly(worker =>
        {
            var input = InputHandle.Create<ulong>();
            worker.Dataflow(scope =>
            {
                var stream = scope.InputFrom(input);
                stream.CaptureInto(viaStream);
                stream.CaptureInto(new EventWriter<ulong, ulong>(viaWriter));
            });
            input.Send(10);
            input.AdvanceTo(1);
            input.Send(11);
        });

        Assert.False(viaStream.CanWrite);   // the capture closed it when the input completed
        byte[] bytes = viaStream.ToArray();
        Assert.Equal(viaWriter.ToArray(), bytes);
        using var reader = new EventReader<ulong, ulong>(new MemoryStream(bytes));
        var data = new List<(ulong, ulong)>();
        while (reader.TryNext(out var e))
        {
            if (e is Event<ulong, ulong>.Messages m)
            {
                data.AddRange(m.Data.Select(d => (m.Time, d)));
            }
        }

        (ulong, ulong)[] expected = [(0, 10), (1, 11)];
        Assert.Equal(expected, data);
    }

    [Fact]
    public void CaptureInto_a_stream_with_leaveOpen_only_flushes_it()
    {
        var output = new MemoryStream();
        EventWriter<ulong, int>? writer = null;
        Execute.Directly(worker =>
            worker.Dataflow(scope => writer = Enumerable.Range(1, 2).ToStream(scope).CaptureInto(output, leaveOpen: true)));
        Assert.NotNull(writer);
        Assert.True(output.CanWrite);
        Assert.True(output.Length > 0);
    }
}
