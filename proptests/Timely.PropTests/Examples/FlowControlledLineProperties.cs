using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Examples;

namespace Timely.PropTests.Examples;

/// <summary>
/// flow_controlled's line, formatted into a span by <see cref="FlowControlled.Format"/>: for any
/// three values it is the line Rust's example prints, <c>@ time: (x, y)</c>, the same as the
/// interpolated string it replaced, and it fits the example's buffer; formatting it allocates
/// nothing, at whatever tier the JIT runs it (these tests run mostly unoptimized code, where the
/// interpolated handler boxed each value).
/// </summary>
public sealed class FlowControlledLineProperties
{
    [Property(MaxTest = 200)]
    public Property The_line_is_the_interpolated_line_for_any_values() =>
        Prop.ForAll(
            Gen.Zip(ArbMap.Default.GeneratorFor<ulong>(), Gen.Zip(ArbMap.Default.GeneratorFor<ulong>(), Gen.Elements(0UL, 1UL, 99UL, 100UL, ulong.MaxValue))).ToArbitrary(),
            t =>
            {
                var (time, (x, y)) = t;
                Span<char> line = stackalloc char[68];
                int n = FlowControlled.Format(line, time, x, y);
                return line[..n].ToString() == string.Create(CultureInfo.InvariantCulture, $"@ {time}: ({x}, {y})");
            });

    [Fact]
    public void Formatting_a_line_allocates_nothing()
    {
        Span<char> line = stackalloc char[68];
        FlowControlled.Format(line, 1, 2, 3);   // the first call's one-time costs
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (ulong i = 0; i < 1000; i++)
        {
            FlowControlled.Format(line, i / 100 * 100, i, ulong.MaxValue - i);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
