import { describe, expect, it } from "vitest";
import { dependencyGraph, findCycle, transitiveDependencies } from "./template-graph";

describe("template dependency graph", () => {
  it("finds a cycle made of Ref, GetAtt, Sub and DependsOn edges", () => {
    const graph = dependencyGraph({
      Fn: {
        Type: "AWS::Lambda::Function",
        Properties: { Env: { "Fn::GetAtt": ["Cdn", "Domain"] } },
      },
      Cdn: {
        Type: "AWS::CloudFront::Distribution",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub placeholder
        Properties: { Origin: { "Fn::Sub": "${Api}.x" } },
      },
      Api: { Type: "AWS::ApiGatewayV2::Api", DependsOn: ["Route"] },
      Route: { Type: "AWS::ApiGatewayV2::Route", Properties: { Target: { Ref: "Fn" } } },
    });
    expect(findCycle(graph)).toEqual(["Fn", "Cdn", "Api", "Route", "Fn"]);
  });

  it("reports no cycle for a chain, and follows it transitively", () => {
    const graph = dependencyGraph({
      Fn: { Type: "AWS::Lambda::Function", Properties: { Env: { "Fn::GetAtt": "Cdn.Domain" } } },
      Cdn: { Type: "AWS::CloudFront::Distribution", Properties: { Origin: { Ref: "Api" } } },
      Api: { Type: "AWS::ApiGatewayV2::Api", Properties: { Name: { Ref: "AWS::StackName" } } },
    });
    expect(findCycle(graph)).toBeUndefined();
    expect([...transitiveDependencies(graph, "Fn")].sort()).toEqual(["Api", "Cdn"]);
    expect(transitiveDependencies(graph, "Api").size).toBe(0);
  });
});
