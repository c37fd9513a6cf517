using Timely.Dataflow.Timestamps;

namespace Timely.Dataflow.Tests.Timestamps;

/// <summary>
/// <see cref="VectorClock"/> inside a scope of <see cref="uint"/> times: the outer time is the
/// first counter, and the other two count what happens inside.
/// </summary>
internal sealed class VectorClockRefines : IRefines<uint, VectorClock>
{
    public VectorClock ToInner(uint time) => new(time, 0, 0);

    public uint ToOuter(VectorClock time) => time.A;

    public uint Summarize(VectorClock summary) => summary.A;
}
