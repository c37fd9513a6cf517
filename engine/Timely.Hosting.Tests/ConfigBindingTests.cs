using Microsoft.Extensions.Configuration;
using Timely.Communication;

namespace Timely.Hosting.Tests;

/// <summary>
/// <see cref="Config"/> itself binds from configuration (a public constructor and init-only
/// properties), for programs that use Microsoft.Extensions.Configuration without the hosting package.
/// </summary>
public sealed class ConfigBindingTests
{
    private static IConfigurationSection Section(Dictionary<string, string?> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build().GetSection("Timely");

    [Fact]
    public void A_section_binds_to_a_config_with_every_setting_given()
    {
        var config = Section(new()
        {
            ["Timely:Threads"] = "3",
            ["Timely:Processes"] = "2",
            ["Timely:ProcessIndex"] = "1",
            ["Timely:Transport"] = "Tcp",
            ["Timely:Addresses:0"] = "127.0.0.1:2101",
            ["Timely:Addresses:1"] = "127.0.0.1:2102",
            ["Timely:JobName"] = "bound",
            ["Timely:StopTimeout"] = "00:00:03",
            ["Timely:PeerTimeout"] = "00:00:04",
        }).Get<Config>();

        Assert.NotNull(config);
        Assert.Equal(3, config.Threads);
        Assert.Equal(2, config.Processes);
        Assert.Equal(1, config.ProcessIndex);
        Assert.Equal(TransportKind.Tcp, config.Transport);
        Assert.Equal(["127.0.0.1:2101", "127.0.0.1:2102"], config.Addresses);
        Assert.Equal("bound", config.JobName);
        Assert.Equal(TimeSpan.FromSeconds(3), config.StopTimeout);
        Assert.Equal(TimeSpan.FromSeconds(4), config.PeerTimeout);
        Assert.Equal(CommunicationKind.Cluster, config.Kind);
        config.Validate();
    }

    [Fact]
    public void The_kind_follows_the_bound_thread_count_when_the_section_does_not_name_it()
    {
        var config = Section(new() { ["Timely:Threads"] = "3" }).Get<Config>()!;
        Assert.Equal(CommunicationKind.Process, config.Kind);
        config.Validate();
    }

    [Fact]
    public void An_empty_section_binds_to_the_defaults_of_one_thread()
    {
        var config = Section(new() { ["Timely:JobName"] = "only" }).Get<Config>()!;
        Assert.Equal(1, config.Threads);
        Assert.Equal(1, config.Processes);
        Assert.Equal(Config.DefaultStopTimeout, config.StopTimeout);
        Assert.Equal(Config.DefaultConnectTimeout, config.ConnectTimeout);
    }

    [Fact]
    public void A_bound_config_that_does_not_fit_is_refused_by_Validate_naming_the_setting()
    {
        var config = Section(new() { ["Timely:Processes"] = "2", ["Timely:ProcessIndex"] = "5", ["Timely:Transport"] = "Shm" }).Get<Config>()!;
        var e = Assert.Throws<ConfigException>(config.Validate);
        Assert.Contains("process index 5", e.Message, StringComparison.Ordinal);
    }
}
