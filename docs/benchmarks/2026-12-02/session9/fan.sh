#!/bin/bash
# usage: fan.sh CLI_DLL MECH(channel|channel-spin) MODE(fanin|broadcast) COUNT -> prints msgs/s
dll=$1 mech=$2 mode=$3 count=$4
tag=s9fan$$
export DOTNET_TieredCompilation=0 DOTNET_TC_QuickJitForLoops=0 DOTNET_ReadyToRun=1
U="dotnet $dll"
ch=/${tag}_d; rp=/${tag}_r
if [ $mode = broadcast ]; then
  $U channel create $ch --capacity 1048576 --delivery broadcast >/dev/null
  $U channel create $rp --capacity 4096 >/dev/null
  args="$ch $rp 2"
else
  $U channel create $ch --capacity 1048576 >/dev/null
  args="$ch 2"
fi
pids=()
for i in 0 1; do $U bench-side unixipc $mech peer $mode 64 $count $args $i & pids+=($!); done
timeout 120 $U bench-side unixipc $mech measure $mode 64 $count $args
for p in ${pids[@]}; do wait $p; done
$U channel unlink $ch >/dev/null; [ $mode = broadcast ] && $U channel unlink $rp >/dev/null
